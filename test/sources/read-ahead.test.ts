// The Deployment a one-pod check reads ahead, guessed from the pod's name (checked later against the pod's owner).
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {deploymentOfPodName} from '../../src/cluster/read-ahead.js'

describe('deploymentOfPodName', () => {
  const scenarios: readonly {name: string; pod: string; deployment: string | undefined}[] = [
    {
      name: 'a Deployment pod (ReplicaSet hash, random suffix)',
      pod: 'web-5d8f7c9b4-x7k2p',
      deployment: 'web',
    },
    {
      name: 'a Deployment whose name has hyphens',
      pod: 'checkout-api-v2-7f9c6d8b5c-qz4tn',
      deployment: 'checkout-api-v2',
    },
    {name: 'a StatefulSet pod', pod: 'web-0', deployment: undefined},
    {name: 'a DaemonSet or Job pod (one random suffix)', pod: 'fluentd-x7k2p', deployment: undefined},
    {name: 'a suffix with a vowel (never generated)', pod: 'web-5d8f7c9b4-aaaaa', deployment: undefined},
    {name: 'a hash too short to be a pod-template-hash', pod: 'web-b4-x7k2p', deployment: undefined},
    {name: 'a bare pod', pod: 'debug', deployment: undefined},
  ]
  for (const {name, pod, deployment} of scenarios)
    it(name, () => assert.equal(deploymentOfPodName(pod), deployment))
})
