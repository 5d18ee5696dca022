// A resource the caller may not read is an Unknown check whose `kubectl auth can-i …` is stated once and asks about
// the identity that was checked (the real API server's 403 text already ends with it: test/real-cluster/permissions).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {scopeVerdict} from '../../src/core/fix-scope.js'
import {gapCheck} from '../../src/core/verdict/gap-checks.js'
import type {Verdict} from '../../src/core/verdict/verdict.js'

const realMessage =
  'Forbidden: cannot list mutatingwebhookconfigurations: mutatingwebhookconfigurations.admissionregistration.k8s.io is forbidden: User "limited-user" cannot list resource "mutatingwebhookconfigurations" in API group "admissionregistration.k8s.io" at the cluster scope — check with `kubectl auth can-i list mutatingwebhookconfigurations`'

const scenarios = [
  {
    name: 'a 403 whose message already names its can-i: the detail does not repeat it',
    message: realMessage,
    canI: 1,
  },
  {
    name: 'a Forbidden gap without a can-i in its message (a file bundle): the detail adds one',
    message: 'forbidden by the bundle collector',
    canI: 1,
  },
] as const

describe('Forbidden checks', () => {
  for (const s of scenarios) {
    it(s.name, () => {
      const check = gapCheck('Webhook', {
        resource: 'mutatingwebhookconfigurations',
        verb: 'list',
        reason: 'Forbidden',
        message: s.message,
      })
      assert.equal(check.result, 'Unknown')
      assert.equal(
        check.detail.match(/kubectl auth can-i list mutatingwebhookconfigurations/g)?.length,
        s.canI,
      )
    })
  }

  it('scopeVerdict puts --context and --as into a Forbidden check, and leaves other checks alone', () => {
    const forbidden = gapCheck('Webhook', {
      resource: 'mutatingwebhookconfigurations',
      verb: 'list',
      reason: 'Forbidden',
      message: realMessage,
    })
    const other = {
      stage: 'Policy' as const,
      code: 'InjectValueUnset' as const,
      result: 'Info' as const,
      subject: 'pod',
      detail: 'kubectl.kubernetes.io/default-container is set by kubectl',
    }
    const verdict = {checks: [forbidden, other], actions: []} as unknown as Verdict
    const scoped = scopeVerdict(verdict, {context: 'limited', as: 'dev'})
    assert.match(
      scoped.checks[0]!.detail,
      /`kubectl --context limited --as dev auth can-i list mutatingwebhookconfigurations`/,
    )
    assert.equal(scoped.checks[1]!.detail, other.detail)
  })
})
