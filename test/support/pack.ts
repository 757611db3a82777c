import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const run = promisify(execFile)
export const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * `npm pack` of the built package (npm test builds first), prepack and postpack included. It packs
 * a copy of what npm would ship from here (and scripts/, for prepack), so the repository's
 * README.md is never swapped under the other tests or an editor. Returns the tarball's path.
 */
export async function packPackage (): Promise<{ tarball: string, staging: string, work: string }> {
  const work = await mkdtemp(`${tmpdir()}/fastify-incode-pack-`)
  const staging = `${work}/staging`
  const npm = { cwd: root, maxBuffer: 16 * 1024 * 1024 }
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], npm)
  const [listing] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>
  for (const path of [...(listing?.files ?? []).map((file) => file.path), 'scripts']) {
    await mkdir(`${staging}/${path}`.replace(/\/[^/]*$/, ''), { recursive: true })
    await cp(`${root}${path}`, `${staging}/${path}`, { recursive: true })
  }
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { ...npm, cwd: staging })
  const [tarball] = JSON.parse(packed.stdout) as Array<{ filename: string }>
  return { tarball: `${work}/${tarball?.filename}`, staging, work }
}

/** Extracts a tarball's `package/` into `dir`, as npm installs it. */
export async function extract (tarball: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'])
}
