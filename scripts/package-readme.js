// npm ships the package root's README.md, and the repository's opens with repository-only
// commands and links into the repository (docs/, example/, bench/): npm's prepack
// (scripts/prepack.js) puts the package's README (derived here) in its place and postpack
// (scripts/postpack.js) puts the repository's back. Each swap is a rename, so README.md is always
// one whole file, and an interrupted pack is undone by the next prepack or postpack.
//
// A link into the repository works on npm only as an address of the repository's web pages, which
// only package.json's `repository` can tell: with one on GitHub, each such link becomes the file's
// address there (`https://github.com/<owner>/<name>/blob/HEAD/docs/….md`, as npm itself resolves a
// relative link); without one, the sentence that carries it is left out, as a file the reader of
// the tarball does not have.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'

/** Sections about working on the package, not using it. */
const repositorySections = new Set(['Development'])

/** A link or an image: `[text](target)`, `![alt](target)`. */
const link = /(!?)\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)/g

/** A file of the repository, named in a code span: `example/README.md`, `bench/`, … */
const repositoryPath = /`(?:example|bench|docs|test|src|scripts|\.ci)\/[^`]*`/

/** Where the repository's README waits while the package's is in its place. */
const backupName = '.README.repository.md'

/**
 * The README that npm shows: what a user of the package needs, and no link out of the tarball
 * but to the repository's pages. Dropped: the labelled "**In this repository**" block at the top
 * (up to its `---` rule), the repository-only sections, and each sentence that names a file of
 * the repository or links to one, unless `repository` is given: then a link to a file becomes
 * that file's address in the repository (an image still goes). Every other link becomes its
 * text, but for those to a heading of the page. Code is kept as it is.
 * @param {string} repositoryReadme
 * @param {{ repository?: string }} [options] the address files of the repository are under
 *   (`https://github.com/<owner>/<name>/blob/HEAD/`), from `repositoryFilesUrl`
 */
export function packageReadme (repositoryReadme, { repository } = {}) {
  const blocks = blocksOf(dropRepositorySections(dropRepositoryBlock(repositoryReadme)))
    .map(({ code, text }) => ({ code, text: code ? text : dropRepositoryLinks(repository === undefined ? text : linkToRepository(text, repository), repository) }))
  const anchors = new Set(blocks.filter(({ code }) => !code).flatMap(({ text }) => headingsOf(text).map(anchorOf)))
  return blocks.map(({ code, text }) => code ? text : flattenLinks(text, anchors, repository)).join('').replace(/\n{3,}/g, '\n\n')
}

/**
 * Where the files of the repository named by package.json's `repository` are on the web, or
 * undefined: GitHub's `https://github.com/<owner>/<name>/blob/HEAD/` (and its `directory`), the
 * address npm resolves a relative link of a README to. Another host is not known.
 * @param {unknown} field package.json's `repository`: `owner/name`, `github:owner/name`, a git
 *   or https URL, or `{ url, directory? }`
 */
export function repositoryFilesUrl (field) {
  const { url, directory } = typeof field === 'string' ? { url: field, directory: undefined } : /** @type {{ url?: unknown, directory?: unknown }} */ (field ?? {})
  if (typeof url !== 'string') return undefined
  const match = /^(?:github:|(?:git\+)?(?:https?|git|ssh):\/\/(?:git@)?github\.com\/|git@github\.com:)?([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url)
  if (match === null) return undefined
  const folder = typeof directory === 'string' && directory !== '' ? `${directory.replace(/^\/+|\/+$/g, '')}/` : ''
  return `https://github.com/${match[1]}/${match[2]}/blob/HEAD/${folder}`
}

/**
 * Each link to a file of the repository (a target that is neither an address nor an anchor) as
 * that file's address under `repository`; an image stays as it is, to be dropped.
 * @param {string} prose
 * @param {string} repository
 */
function linkToRepository (prose, repository) {
  return prose.replace(link, (whole, image, text, target) => {
    if (image || /^(#|[a-z][a-z+.-]*:)/i.test(target)) return whole
    return `[${text}](${new URL(target, repository).href})`
  })
}

/**
 * GitHub's (and npm's) anchor of a heading: lower case, punctuation dropped, spaces as hyphens.
 * @param {string} heading
 */
export function anchorOf (heading) {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-')
}

/** @param {string} markdown */
function dropRepositoryBlock (markdown) {
  return markdown.replace(/\n\*\*In this repository\*\*[\s\S]*?\n---\n/, '\n')
}

/** @param {string} markdown */
function dropRepositorySections (markdown) {
  let fenced = false
  let dropping = false
  return markdown.split('\n').filter((line) => {
    if (line.startsWith('```')) fenced = !fenced
    else if (!fenced && line.startsWith('## ')) dropping = repositorySections.has(line.slice('## '.length))
    return !dropping
  }).join('\n')
}

/**
 * Fenced code blocks (kept as they are) and the prose between them.
 * @param {string} markdown
 */
function blocksOf (markdown) {
  return markdown.split(/^(```[^\n]*\n[\s\S]*?^```$)/m).map((text, index) => ({ code: index % 2 === 1, text }))
}

/** @param {string} prose */
function headingsOf (prose) {
  return [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((match) => String(match[1]))
}

/**
 * Whether a text names a file of the repository, or links to one (a link that is neither a web
 * address nor an anchor): users of the package do not have those. A link to `repository`'s
 * address, and what its text names, is fine.
 * @param {string} text
 * @param {string} [repository]
 */
function refersToRepository (text, repository) {
  const rest = repository === undefined ? text : text.replace(link, (whole, image, linkText, target) => target.startsWith(repository) ? '' : whole)
  return repositoryPath.test(rest) || [...rest.matchAll(link)].some((match) => !/^(#|[a-z][a-z+.-]*:)/i.test(String(match[3])))
}

/**
 * Drops each sentence that names or links to a file of the repository, in every paragraph and
 * list item (the item too, when nothing is left of it). A table cell has no sentence to lose:
 * there a link becomes its text, as every other link does.
 * @param {string} prose
 * @param {string} [repository]
 */
function dropRepositoryLinks (prose, repository) {
  return prose.split(/(?<=\n)(?=\s*\n|[-*] |\d+\. |\|)/).map((unit) => {
    if (!refersToRepository(unit, repository) || unit.trimStart().startsWith('|')) return unit
    const text = unit.trimEnd()
    const lead = text.replace(/^(\s*(?:[-*] |\d+\. )?)[\s\S]*$/, '$1')
    const sentences = text.slice(lead.length).split(/(?<=[.!?])\s+/).filter((sentence) => !refersToRepository(sentence, repository))
    return sentences.length === 0 ? '' : lead + sentences.join(' ') + unit.slice(text.length)
  }).join('')
}

/**
 * @param {string} prose
 * @param {Set<string>} anchors
 * @param {string} [repository]
 */
function flattenLinks (prose, anchors, repository) {
  return prose.replace(link, (whole, image, text, target) => {
    if (image) return ''
    const kept = target.startsWith('#') ? anchors.has(target.slice(1)) : repository !== undefined && target.startsWith(repository)
    return kept ? whole : text
  })
}

/**
 * Fields of package.json about installing the repository, not the package. npm reads
 * `allowScripts` (which dependencies may run install scripts: the example's better-sqlite3) only
 * from the project it installs, never from a dependency's manifest, so it stays in the
 * repository's package.json, where the workspaces' install reads it, and out of the tarball's.
 */
const repositoryFields = ['allowScripts']

/**
 * The package.json that npm packs: the repository's without its `repositoryFields`.
 * @param {string} repositoryManifest the repository's package.json, as text
 */
export function packageManifest (repositoryManifest) {
  const manifest = JSON.parse(repositoryManifest)
  for (const field of repositoryFields) delete manifest[field]
  return `${JSON.stringify(manifest, null, 2)}\n`
}

/**
 * What prepack swaps, with where the repository's waits meanwhile.
 * @param {string} dir
 */
function swappedIn (dir) {
  return {
    manifest: { file: `${dir}/package.json`, backup: `${dir}/.package.repository.json` },
    readme: { file: `${dir}/README.md`, backup: `${dir}/${backupName}` }
  }
}

/**
 * Before `npm pack`: the repository's package.json and README aside, the package's in their
 * place. package.json first: the README's links take its `repository`, which both keep.
 * @param {string} dir the package's folder
 */
export function prepack (dir) {
  const { manifest, readme } = swappedIn(dir)
  swapIn(manifest, packageManifest)
  const options = { repository: repositoryFilesUrl(JSON.parse(readFileSync(manifest.file, 'utf8')).repository) }
  swapIn(readme, (text) => packageReadme(text, options))
}

/**
 * Puts the package's version of `file`, derived from the repository's, in its place, and the
 * repository's aside in `backup` (nothing to do when they are the same). Each step is a rename.
 * A `backup` already there is from a pack that was interrupted: the repository's goes back first,
 * unless someone has changed `file` since.
 * @param {{ file: string, backup: string }} paths
 * @param {(repositoryText: string) => string} derive
 */
function swapIn ({ file, backup }, derive) {
  if (existsSync(backup)) {
    const edited = readFileSync(file, 'utf8') !== derive(readFileSync(backup, 'utf8'))
    if (edited) throw new Error(`${backup} is the repository's ${basename(file)}, kept during an npm pack that was interrupted, and ${basename(file)} has changed since: merge them by hand`)
    renameSync(backup, file)
  }
  const repositoryText = readFileSync(file, 'utf8')
  const packageText = derive(repositoryText)
  if (packageText === repositoryText) return
  writeFileSync(`${backup}.tmp`, repositoryText)
  renameSync(`${backup}.tmp`, backup)
  writeFileSync(`${file}.tmp`, packageText)
  renameSync(`${file}.tmp`, file)
}

/**
 * After `npm pack`: the repository's package.json and README back.
 * @param {string} dir the package's folder
 */
export function postpack (dir) {
  for (const { file, backup } of Object.values(swappedIn(dir))) {
    if (existsSync(backup)) renameSync(backup, file)
  }
}
