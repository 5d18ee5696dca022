// The shape every check of the admission-after-injection layer takes.
import type {Check} from '../verdict/verdict.js'

export const admissionCheck = (
  code: Check['code'],
  result: Check['result'],
  subject: string,
  detail: string,
): Check => ({stage: 'Admission', code, result, subject, detail})
