// Progress on stderr, only where a human watches: a TTY with a known width, not CI, not machine output, not NO_COLOR
// (https://no-color.org: a user who turns colour off wants no animation either).
// ora loops forever on a 0-column TTY, hence the columns guard; ora is imported lazily (≈50 ms).

export interface Progress {
  /** Replaces the progress text. */
  update(text: string): void
  /** Removes the spinner; nothing is left on the terminal. */
  stop(): void
}

const silent: Progress = {update: () => undefined, stop: () => undefined}

export interface SpinnerConditions {
  readonly machineOutput: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  readonly stderrIsTTY: boolean
  readonly stderrColumns: number
}

/** True when an animated spinner is safe and useful. */
export const shouldSpin = ({machineOutput, env, stderrIsTTY, stderrColumns}: SpinnerConditions): boolean =>
  !machineOutput &&
  stderrIsTTY &&
  stderrColumns > 0 &&
  env.CI === undefined &&
  env.TERM !== 'dumb' &&
  (env.NO_COLOR === undefined || env.NO_COLOR === '')

/** Starts a spinner on stderr when `shouldSpin` allows it; otherwise a silent Progress. */
export const startProgress = async (text: string, machineOutput: boolean): Promise<Progress> => {
  const conditions: SpinnerConditions = {
    machineOutput,
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
    stderrColumns: process.stderr.columns ?? 0,
  }
  if (!shouldSpin(conditions)) return silent
  const {default: ora} = await import('ora')
  const spinner = ora({text, stream: process.stderr, discardStdin: false}).start()
  return {
    update: (next) => {
      spinner.text = next
    },
    stop: () => {
      spinner.stop()
    },
  }
}
