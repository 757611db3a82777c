// Reading what a form or a query string encodes: OAuth2 client credentials, query parameter names.

/** `application/x-www-form-urlencoded` decoding (`+` is a space), or undefined for a broken escape. */
export function formDecoded (value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}
