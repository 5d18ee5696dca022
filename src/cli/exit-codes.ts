// CliFailure and UsageFailure: errors the commands explain in one line; the codes themselves live with the sources.
import {ExitCode} from '../cluster/exit-codes.js'
import type {ExitCodeValue} from '../cluster/exit-codes.js'

export {ExitCode}
export type {ExitCodeValue}

/** An error the tool explains in one line with a next step; `exit` is the process exit code. */
export class CliFailure extends Error {
  readonly exit: ExitCodeValue
  readonly hint: string | undefined

  constructor(message: string, exit: ExitCodeValue, hint?: string) {
    super(message)
    this.name = 'CliFailure'
    this.exit = exit
    this.hint = hint
  }
}

/** A flag or argument problem: exit 64 and point at --help. */
export class UsageFailure extends CliFailure {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Usage, hint)
    this.name = 'UsageFailure'
  }
}
