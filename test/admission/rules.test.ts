import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {matchRules, podCreateAttributes} from '../../src/core/admission/rules.js'
import type {AdmissionAttributes} from '../../src/core/admission/rules.js'
import type {RuleWithOperations} from '../../src/core/snapshot.js'

const istioRule: RuleWithOperations = {
  operations: ['CREATE'],
  apiGroups: [''],
  apiVersions: ['v1'],
  resources: ['pods'],
}
const podUpdate: AdmissionAttributes = {...podCreateAttributes, operation: 'UPDATE'}
const ephemeral: AdmissionAttributes = {
  ...podCreateAttributes,
  operation: 'UPDATE',
  subresource: 'ephemeralcontainers',
}
const namespaceCreate: AdmissionAttributes = {
  operation: 'CREATE',
  group: '',
  version: 'v1',
  resource: 'namespaces',
  subresource: '',
  namespaced: true,
}
const deploymentCreate: AdmissionAttributes = {
  operation: 'CREATE',
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  subresource: '',
  namespaced: true,
}

describe('webhook rules', () => {
  const cases: {
    name: string
    rules: RuleWithOperations[]
    attrs: AdmissionAttributes
    matches: boolean
    failed?: string
  }[] = [
    {name: "Istio's rule matches pod CREATE", rules: [istioRule], attrs: podCreateAttributes, matches: true},
    {
      name: "Istio's rule ignores pod UPDATE",
      rules: [istioRule],
      attrs: podUpdate,
      matches: false,
      failed: 'operations',
    },
    {
      name: 'operations * matches UPDATE',
      rules: [{...istioRule, operations: ['*']}],
      attrs: podUpdate,
      matches: true,
    },
    {
      name: 'resource pods does not match a subresource',
      rules: [{...istioRule, operations: ['*']}],
      attrs: ephemeral,
      matches: false,
      failed: 'resources',
    },
    {
      name: 'resource * does not match a subresource',
      rules: [{...istioRule, operations: ['*'], resources: ['*']}],
      attrs: ephemeral,
      matches: false,
      failed: 'resources',
    },
    {
      name: 'resource pods/* matches a subresource',
      rules: [{...istioRule, operations: ['*'], resources: ['pods/*']}],
      attrs: ephemeral,
      matches: true,
    },
    {
      name: 'resource */* matches a subresource',
      rules: [{...istioRule, operations: ['*'], resources: ['*/*']}],
      attrs: ephemeral,
      matches: true,
    },
    {
      name: 'resource */status does not match ephemeralcontainers',
      rules: [{...istioRule, operations: ['*'], resources: ['*/status']}],
      attrs: ephemeral,
      matches: false,
      failed: 'resources',
    },
    // rules.go resource(): a `*` subresource also matches the empty subresource
    {
      name: 'pods/* also matches the pod itself',
      rules: [{...istioRule, resources: ['pods/*']}],
      attrs: podCreateAttributes,
      matches: true,
    },
    {
      name: 'pods/status does not match the pod itself',
      rules: [{...istioRule, resources: ['pods/status']}],
      attrs: podCreateAttributes,
      matches: false,
      failed: 'resources',
    },
    {
      name: 'group wildcard',
      rules: [{...istioRule, apiGroups: ['*'], resources: ['deployments']}],
      attrs: deploymentCreate,
      matches: true,
    },
    {
      name: 'core group does not match apps',
      rules: [{...istioRule, resources: ['deployments']}],
      attrs: deploymentCreate,
      matches: false,
      failed: 'apiGroups',
    },
    {
      name: 'version mismatch',
      rules: [{...istioRule, apiVersions: ['v1beta1']}],
      attrs: podCreateAttributes,
      matches: false,
      failed: 'apiVersions',
    },
    {
      name: 'version wildcard',
      rules: [{...istioRule, apiVersions: ['*']}],
      attrs: podCreateAttributes,
      matches: true,
    },
    {
      name: 'scope Namespaced matches pods',
      rules: [{...istioRule, scope: 'Namespaced'}],
      attrs: podCreateAttributes,
      matches: true,
    },
    {
      name: 'scope Cluster does not match pods',
      rules: [{...istioRule, scope: 'Cluster'}],
      attrs: podCreateAttributes,
      matches: false,
      failed: 'scope',
    },
    {
      name: 'namespaces are cluster-scoped',
      rules: [{...istioRule, resources: ['namespaces'], scope: 'Cluster'}],
      attrs: namespaceCreate,
      matches: true,
    },
    {
      name: 'namespaces never match Namespaced',
      rules: [{...istioRule, resources: ['namespaces'], scope: 'Namespaced'}],
      attrs: namespaceCreate,
      matches: false,
      failed: 'scope',
    },
    {name: 'no rules never match', rules: [], attrs: podCreateAttributes, matches: false},
  ]
  for (const c of cases) {
    it(c.name, () => {
      const result = matchRules(c.rules, c.attrs)
      assert.equal(result.matches, c.matches)
      if (c.failed) assert.equal(result.rules[0]?.failed, c.failed)
    })
  }

  it('the first matching rule wins and every rule is reported', () => {
    const result = matchRules([{...istioRule, operations: ['DELETE']}, istioRule], podCreateAttributes)
    assert.equal(result.matchedRule, 1)
    assert.equal(result.rules[0]?.failed, 'operations')
    assert.equal(
      result.rules[0]?.predicates.find((p) => p.predicate === 'operations')?.actual,
      'operation CREATE',
    )
  })

  it('matchPolicy Equivalent tries equivalent resources, Exact does not', () => {
    const rule = {
      ...istioRule,
      apiGroups: ['extensions'],
      apiVersions: ['v1beta1'],
      resources: ['deployments'],
    }
    const attrs = {
      ...deploymentCreate,
      equivalents: [{group: 'extensions', version: 'v1beta1', resource: 'deployments'}],
    }
    assert.equal(matchRules([rule], attrs, 'Equivalent').matches, true)
    assert.equal(matchRules([rule], attrs, 'Exact').matches, false)
  })
})
