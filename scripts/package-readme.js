// npm ships the package root's README.md, and the repository's opens with repository-only
// commands and links into the repository: npm's prepack (scripts/prepack.js) puts the package's
// README (derived here) in its place and postpack (scripts/postpack.js) puts the repository's
// back. Each swap is a rename, so README.md is always one whole file, and an interrupted pack is
// undone by the next prepack or postpack.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'

/** Sections about working on the package, not using it. */
const repositorySections = new Set(['Development'])

/** A link or an image: `[text](target)`, `![alt](target)`. */
const link = /(!?)\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)/g

/** A file of the repository, named in a code span: `example/README.md`, `bench/`, … */
const repositoryPath = /`(?:example|bench|docs|test|src|scripts|\.ci)\/[^`]*`/

/** Where the repository's README waits while the package's is in its place. */
const backupName = '.README.repository.md'

/**
 * The README that npm shows: what a user of the package needs, and no link out of the tarball.
 * Dropped: the labelled "**In this repository**" block at the top (up to its `---` rule), the
 * repository-only sections, each sentence that names or links to a file of the repository.
 * Every other link becomes its text, but for those to a heading of the page; images go. Code is
 * kept as it is.
 * @param {string} repositoryReadme
 */
export function packageReadme (repositoryReadme) {
  const blocks = blocksOf(dropRepositorySections(dropRepositoryBlock(repositoryReadme)))
    .map(({ code, text }) => ({ code, text: code ? text : dropRepositoryLinks(text) }))
  const anchors = new Set(blocks.filter(({ code }) => !code).flatMap(({ text }) => headingsOf(text).map(anchorOf)))
  return blocks.map(({ code, text }) => code ? text : flattenLinks(text, anchors)).join('').replace(/\n{3,}/g, '\n\n')
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
 * address nor an anchor): users of the package do not have those.
 * @param {string} text
 */
function refersToRepository (text) {
  return repositoryPath.test(text) || [...text.matchAll(link)].some((match) => !/^(#|[a-z][a-z+.-]*:)/i.test(String(match[3])))
}

/**
 * Drops each sentence that names or links to a file of the repository, in every paragraph and
 * list item (the item too, when nothing is left of it). A table cell has no sentence to lose:
 * there a link becomes its text, as every other link does.
 * @param {string} prose
 */
function dropRepositoryLinks (prose) {
  return prose.split(/(?<=\n)(?=\s*\n|[-*] |\d+\. |\|)/).map((unit) => {
    if (!refersToRepository(unit) || unit.trimStart().startsWith('|')) return unit
    const text = unit.trimEnd()
    const lead = text.replace(/^(\s*(?:[-*] |\d+\. )?)[\s\S]*$/, '$1')
    const sentences = text.slice(lead.length).split(/(?<=[.!?])\s+/).filter((sentence) => !refersToRepository(sentence))
    return sentences.length === 0 ? '' : lead + sentences.join(' ') + unit.slice(text.length)
  }).join('')
}

/**
 * @param {string} prose
 * @param {Set<string>} anchors
 */
function flattenLinks (prose, anchors) {
  return prose.replace(link, (whole, image, text, target) => {
    if (image) return ''
    return target.startsWith('#') && anchors.has(target.slice(1)) ? whole : text
  })
}

/**
 * Before `npm pack`: the repository's README aside, the package's in its place.
 * @param {string} dir the package's folder
 */
export function prepack (dir) {
  const readme = `${dir}/README.md`
  const backup = `${dir}/${backupName}`
  if (existsSync(backup)) undoInterruptedPack(readme, backup)
  const repositoryReadme = readFileSync(readme, 'utf8')
  writeFileSync(`${backup}.tmp`, repositoryReadme)
  renameSync(`${backup}.tmp`, backup)
  writeFileSync(`${readme}.tmp`, packageReadme(repositoryReadme))
  renameSync(`${readme}.tmp`, readme)
}

/**
 * README.md is the package's, from a pack that was interrupted: the repository's back, unless
 * someone has changed README.md since.
 * @param {string} readme
 * @param {string} backup
 */
function undoInterruptedPack (readme, backup) {
  const edited = readFileSync(readme, 'utf8') !== packageReadme(readFileSync(backup, 'utf8'))
  if (edited) throw new Error(`${backup} is the repository's README.md, kept during an npm pack that was interrupted, and README.md has changed since: merge them by hand`)
  renameSync(backup, readme)
}

/**
 * After `npm pack`: the repository's README back.
 * @param {string} dir the package's folder
 */
export function postpack (dir) {
  const backup = `${dir}/${backupName}`
  if (existsSync(backup)) renameSync(backup, `${dir}/README.md`)
}
