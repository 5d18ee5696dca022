// istiod's annotation validation (istio: pkg/kube/inject/validate.go AnnotationValidation), value by value.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {annotationDenial, validateAnnotations} from '../../src/core/istio/annotation-validation.js'
import {parseIstioVersion} from '../../src/core/istio/istio-version.js'

interface Row {
  readonly name: string
  readonly annotation: string
  readonly value: string
  /** Substring of istiod's error text; undefined when the value is valid. */
  readonly error?: string
}

const rows: readonly Row[] = [
  {name: 'CPU request as millicores is a quantity', annotation: 'sidecar.istio.io/proxyCPU', value: '100m'},
  {name: 'memory as 1.5Gi is a quantity', annotation: 'sidecar.istio.io/proxyMemory', value: '1.5Gi'},
  {name: 'an exponent suffix is a quantity', annotation: 'sidecar.istio.io/proxyCPULimit', value: '1e3'},
  {
    name: 'CPU written as "100 m" with a space is no quantity',
    annotation: 'sidecar.istio.io/proxyCPU',
    value: '100 m',
    error: 'quantities must match the regular expression',
  },
  {
    name: 'memory with a K (not k) suffix has an unknown suffix',
    annotation: 'sidecar.istio.io/proxyMemoryLimit',
    value: '512K',
    error: "unable to parse quantity's suffix",
  },
  {
    name: 'an empty CPU value is no quantity',
    annotation: 'sidecar.istio.io/proxyCPU',
    value: '',
    error: 'quantities must match',
  },
  {
    name: 'a control character in a quantity',
    annotation: 'sidecar.istio.io/proxyMemory',
    value: '1Gi\n',
    error: 'value contains control characters',
  },
  {
    name: 'include ranges "*" means all',
    annotation: 'traffic.sidecar.istio.io/includeOutboundIPRanges',
    value: '*',
  },
  {
    name: 'include ranges as a CIDR list',
    annotation: 'traffic.sidecar.istio.io/includeOutboundIPRanges',
    value: '10.0.0.0/8,172.16.0.0/12,fd00::/8',
  },
  {
    name: 'a space after the comma fails (no trimming)',
    annotation: 'traffic.sidecar.istio.io/includeOutboundIPRanges',
    value: '10.0.0.0/8, 172.16.0.0/12',
    error: "includeIPRanges invalid: failed parsing cidr ' 172.16.0.0/12'",
  },
  {
    name: 'an address without a prefix length',
    annotation: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
    value: '10.0.0.1',
    error: `netip.ParsePrefix("10.0.0.1"): no '/'`,
  },
  {
    name: 'a prefix longer than 32 bits',
    annotation: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
    value: '10.0.0.0/33',
    error: 'prefix length out of range',
  },
  {
    name: '"*" is not valid for exclude ranges',
    annotation: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
    value: '*',
    error: 'excludeIPRanges invalid',
  },
  {
    name: 'an octet above 255',
    annotation: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
    value: '10.0.0.256/32',
    error: 'IPv4 field has value >255',
  },
  {
    name: 'empty exclude ranges are fine',
    annotation: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
    value: '',
  },
  {name: 'inbound ports "*"', annotation: 'traffic.sidecar.istio.io/includeInboundPorts', value: '*'},
  {
    name: 'inbound ports with spaces around each port',
    annotation: 'traffic.sidecar.istio.io/excludeInboundPorts',
    value: ' 8080, 9090 ',
  },
  {
    name: 'a port above 65535',
    annotation: 'traffic.sidecar.istio.io/excludeOutboundPorts',
    value: '3306,70000',
    error:
      "excludeOutboundPorts invalid: failed parsing port '70000': failed parsing port '70000': strconv.ParseUint: parsing \"70000\": value out of range",
  },
  {
    name: 'a port range is not a port',
    annotation: 'traffic.sidecar.istio.io/excludeInboundPorts',
    value: '8000-8080',
    error: 'invalid syntax',
  },
  {name: 'interception mode TPROXY', annotation: 'sidecar.istio.io/interceptionMode', value: 'TPROXY'},
  {
    name: 'interception mode in lower case',
    annotation: 'sidecar.istio.io/interceptionMode',
    value: 'redirect',
    error: 'interceptionMode invalid, use REDIRECT,TPROXY,NONE: redirect',
  },
  {name: 'status port as a number', annotation: 'status.sidecar.istio.io/port', value: '15020'},
  {
    name: 'status port as a name (upstream message names excludeInboundPorts)',
    annotation: 'status.sidecar.istio.io/port',
    value: 'http',
    error: 'excludeInboundPorts invalid',
  },
  {
    name: 'readiness delay as an integer',
    annotation: 'readiness.status.sidecar.istio.io/initialDelaySeconds',
    value: '5',
  },
  {
    name: 'readiness period as a duration',
    annotation: 'readiness.status.sidecar.istio.io/periodSeconds',
    value: '5s',
    error: 'strconv.ParseUint: parsing "5s": invalid syntax',
  },
  {
    name: 'negative failure threshold',
    annotation: 'readiness.status.sidecar.istio.io/failureThreshold',
    value: '-1',
    error: 'invalid syntax',
  },
  {name: 'merge-metrics as a Go bool', annotation: 'prometheus.istio.io/merge-metrics', value: 'True'},
  {
    name: 'merge-metrics as yes',
    annotation: 'prometheus.istio.io/merge-metrics',
    value: 'yes',
    error: 'strconv.ParseBool: parsing "yes": invalid syntax',
  },
  {
    name: 'exclude interfaces as names',
    annotation: 'traffic.sidecar.istio.io/excludeInterfaces',
    value: 'eth1, net1',
  },
  {
    name: 'an interface name over 15 characters',
    annotation: 'traffic.sidecar.istio.io/kubevirtInterfaces',
    value: 'averyveryverylongname',
    error: 'too long (max 15 chars)',
  },
  {
    name: 'proxy config as YAML',
    annotation: 'proxy.istio.io/config',
    value: 'holdApplicationUntilProxyStarts: true',
  },
  {
    name: 'proxy config as a bare word',
    annotation: 'proxy.istio.io/config',
    value: 'hold',
    error: 'failed to convert to apply proxy config',
  },
  {
    name: 'an annotation istiod does not validate',
    annotation: 'sidecar.istio.io/logLevel',
    value: 'anything',
  },
]

describe('annotation validation', () => {
  for (const row of rows) {
    it(row.name, () => {
      const found = validateAnnotations({[row.annotation]: row.value})
      if (row.error === undefined) {
        assert.deepEqual(found, [])
        return
      }
      assert.equal(found.length, 1)
      assert.ok(
        found[0]?.message.startsWith(`invalid value '${row.value}' for annotation '${row.annotation}': `),
      )
      assert.ok(found[0]?.message.includes(row.error), found[0]?.message)
    })
  }

  it('quantities and interface names are validated only from Istio 1.30', () => {
    const annotations = {
      'sidecar.istio.io/proxyCPU': 'lots',
      'traffic.sidecar.istio.io/excludeInterfaces': '1bad',
    }
    assert.deepEqual(validateAnnotations(annotations, parseIstioVersion('1.28.1')), [])
    assert.equal(validateAnnotations(annotations, parseIstioVersion('1.30.0')).length, 2)
  })

  it('the denial reads like the multierror istiod returns', () => {
    const found = validateAnnotations({
      'sidecar.istio.io/interceptionMode': 'X',
      'status.sidecar.istio.io/port': 'p',
    })
    assert.match(
      annotationDenial(found),
      /^failed to run injection template: 2 errors occurred: \* invalid value/,
    )
  })
})
