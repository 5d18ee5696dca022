// YAML 1.1 text as sigs.k8s.io/yaml reads it (kubeconfigs, the injector ConfigMap): the block reader when it takes the
// text, else the `yaml` package with the same scalar rules (yaml11-scalars.ts).
import {parse} from 'yaml'
import {NotBlockYaml, readBlockYaml} from './block-reader.js'
import {toJsOptions, yamlOptions} from './yaml11-scalars.js'

/** One document's value (a byte-order mark skipped); `prettyErrors` gives the package's errors their line (linePos). */
export function readYaml11(text: string, prettyErrors = false): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  try {
    return readBlockYaml(body)
  } catch (error) {
    if (!(error instanceof NotBlockYaml)) throw error
  }
  return parse(body, {...yamlOptions, ...toJsOptions, prettyErrors})
}
