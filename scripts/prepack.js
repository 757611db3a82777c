// npm's prepack: the package's README in place of the repository's (see package-readme.js).
import { prepack } from './package-readme.js'

prepack(process.cwd())
