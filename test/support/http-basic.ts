/** `Authorization: Basic base64(id ":" secret)`, the id and secret as they are (UTF-8), as Incode's dashboard sends them. */
export function basic (id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`
}
