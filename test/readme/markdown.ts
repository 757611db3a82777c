// The fenced code blocks of a Markdown file, as the README's samples are found and run.

export interface CodeBlock {
  /** The fence's language: `ts`, `js`, `sh` … */
  lang: string
  code: string
  /** The line of the opening fence, for messages (`README.md:78`). */
  line: number
}

export function codeBlocks (markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = []
  for (const match of markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    blocks.push({
      lang: match[1] as string,
      code: match[2] as string,
      line: markdown.slice(0, match.index).split('\n').length
    })
  }
  return blocks
}
