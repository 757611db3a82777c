// npm's postpack: the repository's README back (see package-readme.js).
import { postpack } from './package-readme.js'

postpack(process.cwd())
