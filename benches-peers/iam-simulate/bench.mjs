// Peer benchmark: @cloud-copilot/iam-simulate on the same scenarios as
// crates/warden-policy/benches/evaluate.rs.
//
// Run:  cd benches-peers/iam-simulate && npm ci && node bench.mjs [variant ...]
// Variants (default: all):
//   authorize   - internal core engine `authorize()` (not exported from the package index; imported
//                 by file path) with policies parsed ONCE via @cloud-copilot/iam-policy `loadPolicy`
//                 and the request built once. Closest analogue of Warden's compiled PolicySet.
//   unsafe      - public `runUnsafeSimulation()`: synchronous, no validation, but calls loadPolicy
//                 on every policy for every decision (no precompiled form in the public API).
//   simulate    - public `runSimulation()`: async, validates policies/action/resource/context keys
//                 on every call, then evaluates.
import { readFileSync } from 'node:fs'
import { loadPolicy } from '@cloud-copilot/iam-policy'
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate'
// Not part of the package's exports map; imported by path. Same module instances as the index.
import { authorize } from './node_modules/@cloud-copilot/iam-simulate/dist/esm/core_engine/CoreSimulatorEngine.js'
import { AwsRequestImpl } from './node_modules/@cloud-copilot/iam-simulate/dist/esm/request/request.js'
import { RequestContextImpl } from './node_modules/@cloud-copilot/iam-simulate/dist/esm/requestContext.js'
import { DiscoveryContextKeyConstraints } from './node_modules/@cloud-copilot/iam-simulate/dist/esm/context_keys/discoveryContextKeyConstraints.js'

const VERSION = JSON.parse(
  readFileSync(new URL('./node_modules/@cloud-copilot/iam-simulate/package.json', import.meta.url))
).version

const USER = 'arn:aws:iam::111122223333:user/alice'
const ACCOUNT = '111122223333'
// Same request context as Warden's bench. Warden derives aws:username from the principal ARN;
// iam-simulate does not, so it is supplied explicitly.
const CONTEXT = {
  'aws:SourceIp': '10.20.30.40',
  'aws:PrincipalTag/team': 'payments',
  'aws:SecureTransport': 'true',
  'aws:CurrentTime': '2026-11-22T12:00:00Z',
  'aws:username': 'alice'
}

// ---- policies: generated with the same loops and the same JSON text as evaluate.rs ----
function smallPolicy() {
  return [
    {
      name: 'small',
      text: `{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]},
            {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`
    }
  ]
}

const SERVICES = [
  's3', 'ec2', 'sqs', 'sns', 'dynamodb', 'lambda', 'kms', 'logs', 'cloudwatch', 'iam', 'sts', 'rds',
  'ecs', 'ecr', 'eks', 'elasticloadbalancing', 'autoscaling', 'route53', 'cloudfront',
  'secretsmanager', 'ssm', 'kinesis', 'firehose', 'glue', 'athena'
]

function twelvePolicies() {
  const conditions = [
    '',
    `,"Condition":{"StringEquals":{"aws:PrincipalTag/team":"payments"}}`,
    `,"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`,
    `,"Condition":{"Bool":{"aws:SecureTransport":"true"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`,
    `,"Condition":{"StringLike":{"aws:PrincipalTag/team":"pay*"}}`
  ]
  const out = []
  for (let p = 0; p < 12; p++) {
    const statements = []
    for (let s = 0; s < 50; s++) {
      const service = SERVICES[(p * 50 + s) % SERVICES.length]
      let action
      switch (s % 4) {
        case 0: action = `["${service}:Get${p}x${s}","${service}:Describe${s}"]`; break
        case 1: action = `"${service}:List${p}*"`; break
        case 2: action = `["${service}:Put${p}x${s}","${service}:Create${s}*"]`; break
        default: action = `"${service}:Tag${s}?${p}"`
      }
      let resource
      switch (s % 3) {
        case 0: resource = `"arn:aws:${service}:*:111122223333:thing${s}/*"`; break
        case 1: resource = `"arn:aws:${service}:::home/\${aws:username}/${p}/*"`; break
        default: resource = `"*"`
      }
      const effect = s % 10 === 9 ? 'Deny' : 'Allow'
      statements.push(
        `{"Sid":"S${p}x${s}","Effect":"${effect}","Action":${action},"Resource":${resource}${conditions[s % conditions.length]}}`
      )
    }
    out.push({
      name: `group-policy-${p}`,
      text: `{"Version":"2012-10-17","Statement":[${statements.join(',')}]}`
    })
  }
  return out
}

function readOnlyAccess() {
  const actions = []
  for (let svc = 0; svc < 250; svc++) {
    for (const verb of ['Describe', 'Get', 'List', 'BatchGet', 'Search', 'Query']) {
      actions.push(`"service${svc}:${verb}*"`)
    }
    for (let n = 0; n < 10; n++) actions.push(`"service${svc}:View${n}Thing"`)
  }
  if (actions.length < 4000) throw new Error('expected >= 4000 actions')
  return [
    {
      name: 'ReadOnlyAccess',
      text: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[${actions.join(',')}],"Resource":"*"}]}`
    }
  ]
}

// Warden's decisions (asserted in evaluate.rs).
const SCENARIOS = [
  { id: 'a_small_policy_allow', policies: smallPolicy, action: 's3:GetObject', resource: 'arn:aws:s3:::reports/2026/q3.csv', warden: 'Allowed' },
  { id: 'b_twelve_policies_600_statements_allow', policies: twelvePolicies, action: 's3:List7Objects', resource: 'arn:aws:s3:::home/alice/7/file', warden: 'Allowed' },
  { id: 'b_twelve_policies_600_statements_implicit_deny', policies: twelvePolicies, action: 's3:DeleteBucket', resource: 'arn:aws:s3:::home/alice/7/file', warden: 'ImplicitlyDenied' },
  { id: 'c_read_only_access_4000_patterns_allow', policies: readOnlyAccess, action: 'service137:GetWidget', resource: 'arn:aws:service137:us-east-1:111122223333:widget/1', warden: 'Allowed' },
  { id: 'c_read_only_access_4000_patterns_implicit_deny', policies: readOnlyAccess, action: 'service137:DeleteWidget', resource: 'arn:aws:service137:us-east-1:111122223333:widget/1', warden: 'ImplicitlyDenied' }
]

// ---- the three ways of calling the peer; each returns a thunk producing the decision ----
function simulationFor(sc) {
  return {
    request: {
      principal: USER,
      action: sc.action,
      resource: { resource: sc.resource, accountId: ACCOUNT },
      contextVariables: { ...CONTEXT }
    },
    identityPolicies: sc.policies().map((p) => ({ name: p.name, policy: JSON.parse(p.text) })),
    serviceControlPolicies: [],
    resourceControlPolicies: []
  }
}

const VARIANTS = {
  authorize(sc) {
    const identityPolicies = sc.policies().map((p) => loadPolicy(JSON.parse(p.text), { name: p.name }))
    const request = new AwsRequestImpl(
      USER,
      { resource: sc.resource, accountId: ACCOUNT },
      sc.action,
      new RequestContextImpl({ ...CONTEXT })
    )
    const authz = {
      request,
      sessionPolicy: undefined,
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: undefined,
      permissionBoundaries: undefined,
      vpcEndpointPolicies: undefined,
      simulationParameters: {
        simulationMode: 'Strict',
        discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
      },
      serviceSettings: { s3: { blockPublicAccess: undefined } }
    }
    return { sync: true, run: () => authorize(authz).result }
  },
  unsafe(sc) {
    const sim = simulationFor(sc)
    return { sync: true, run: () => runUnsafeSimulation(sim, {}) }
  },
  simulate(sc) {
    const sim = simulationFor(sc)
    return {
      sync: false,
      run: async () => {
        const r = await runSimulation(sim, {})
        if (r.resultType === 'error') return `error: ${JSON.stringify(r.errors).slice(0, 300)}`
        return r.overallResult
      }
    }
  }
}

// ---- timing ----
async function timeN(v, n) {
  let sink = 0
  const t0 = process.hrtime.bigint()
  if (v.sync) {
    for (let i = 0; i < n; i++) sink += v.run().length
  } else {
    for (let i = 0; i < n; i++) sink += (await v.run()).length
  }
  const t1 = process.hrtime.bigint()
  if (sink === 42) console.log('')
  return Number(t1 - t0) / n
}

const TARGET_NS_PER_RUN = 0.5e9 // ~0.5 s per timed run
const RUNS = 5

async function measure(v) {
  // warm up: >= 1 s or 2000 calls, whichever comes first after at least 50 calls
  let n = 0
  const w0 = process.hrtime.bigint()
  while (n < 50 || (n < 2000 && Number(process.hrtime.bigint() - w0) < 1e9)) {
    if (v.sync) v.run()
    else await v.run()
    n++
  }
  const probe = await timeN(v, Math.max(10, Math.min(2000, n)))
  const iters = Math.max(20, Math.min(200000, Math.round(TARGET_NS_PER_RUN / probe)))
  const samples = []
  for (let r = 0; r < RUNS; r++) samples.push(await timeN(v, iters))
  const sorted = [...samples].sort((a, b) => a - b)
  return { median: sorted[Math.floor(RUNS / 2)], samples, iters }
}

const wanted = process.argv.slice(2)
const variants = wanted.length ? wanted : Object.keys(VARIANTS)
console.log(`@cloud-copilot/iam-simulate ${VERSION}, node ${process.version}`)
console.log('variant\tscenario\tdecision\twarden\tagree\tmedian_ns\titers\truns_ns')
for (const name of variants) {
  for (const sc of SCENARIOS) {
    const v = VARIANTS[name](sc)
    const decision = v.sync ? v.run() : await v.run()
    const agree = decision === sc.warden
    let m = { median: NaN, samples: [], iters: 0 }
    // A validation error is not a decision; its latency is not comparable, so it is not timed.
    if (!process.env.CHECK_ONLY && !String(decision).startsWith('error')) m = await measure(v)
    console.log(
      [name, sc.id, decision, sc.warden, agree ? 'yes' : 'NO', m.median.toFixed(0), m.iters,
        m.samples.map((x) => x.toFixed(0)).join(',')].join('\t')
    )
  }
}
