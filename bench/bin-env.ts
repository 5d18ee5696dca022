// Our bins run as kubectl runs them, executed through their sh line, whose `exec node` takes this node (first on PATH).
import {delimiter, dirname} from 'node:path'

export const withNodeOnPath = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...env,
  PATH: `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`,
})
