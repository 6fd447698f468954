// Turns the two npm packages into Warden's compact catalog (see scripts/build-catalog).
//
// service-reference.json: {source, global_condition_keys: {key: type}, services: [{prefix, name,
//   actions: [[name, access level as iam-data writes it, [[resource type, required]...],
//   [condition keys]]...], resources: [[name, ARN pattern, [condition keys]]...],
//   conditions: {key: type}}]}
// managed-policies.json: {source, policies: [{name, path, version, created, updated, document}]}
// Descriptions are left out: they are most of the packages' size and Warden shows none.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const [iamData, managed, out] = process.argv.slice(2)
const require = createRequire(import.meta.url)
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'))
const byKey = (a, b) => (a < b ? -1 : a > b ? 1 : 0)

const iamPackage = readJson(join(iamData, 'package.json'))
const names = readJson(join(iamData, 'data', 'serviceNames.json'))
const services = readJson(join(iamData, 'data', 'services.json')).sort(byKey).map((prefix) => {
  const file = (kind) => {
    try {
      return readJson(join(iamData, 'data', kind, `${prefix}.json`))
    } catch {
      return {}
    }
  }
  const actions = Object.values(file('actions'))
    .map((a) => [
      a.name,
      a.accessLevel,
      (a.resourceTypes || []).map((r) => [r.name, !!r.required]),
      [...(a.conditionKeys || [])].sort(byKey),
    ])
    .sort((a, b) => byKey(a[0], b[0]))
  const resources = Object.values(file('resourceTypes'))
    .map((r) => [r.key, r.arn, [...(r.conditionKeys || [])].sort(byKey)])
    .sort((a, b) => byKey(a[0], b[0]))
  const conditions = Object.fromEntries(
    Object.values(file('conditionKeys'))
      .map((c) => [c.key, c.type])
      .sort((a, b) => byKey(a[0], b[0])),
  )
  return { prefix, name: names[prefix] || prefix, actions, resources, conditions }
})
const globals = require(join(iamData, 'dist', 'cjs', 'globalConditionKeys.js')).globalConditionKeys
const reference = {
  source: `${iamPackage.name}@${iamPackage.version}`,
  global_condition_keys: Object.fromEntries(
    globals.map((g) => [g.key, g.type]).sort((a, b) => byKey(a[0], b[0])),
  ),
  services,
}

const managedPackage = readJson(join(managed, 'package.json'))
const all = readJson(join(managed, 'dist', 'managedPolicies.json'))
const policies = Object.entries(all)
  .map(([name, p]) => {
    const prefix = 'arn:aws:iam::aws:policy'
    if (!p.arn.startsWith(prefix + '/')) throw new Error(`unexpected ARN ${p.arn}`)
    const path = p.arn.slice(prefix.length, p.arn.length - name.length)
    const version = p.versions[p.latestVersionId]
    if (!version) throw new Error(`${name}: no document for ${p.latestVersionId}`)
    return {
      name,
      path,
      version: p.latestVersionId,
      created: p.createdDate,
      updated: p.lastUpdatedDate,
      document: JSON.stringify(version.document),
    }
  })
  .sort((a, b) => byKey(a.name.toLowerCase(), b.name.toLowerCase()))

mkdirSync(out, { recursive: true })
// One service and one policy per line: readable diffs when the data is rebuilt.
const lines = (items) => items.map((i) => '  ' + JSON.stringify(i)).join(',\n')
writeFileSync(
  join(out, 'service-reference.json'),
  `{"source": ${JSON.stringify(reference.source)},\n"global_condition_keys": ${JSON.stringify(reference.global_condition_keys)},\n"services": [\n${lines(services)}\n]}\n`,
)
writeFileSync(
  join(out, 'managed-policies.json'),
  `{"source": ${JSON.stringify(`${managedPackage.name}@${managedPackage.version}`)},\n"policies": [\n${lines(policies)}\n]}\n`,
)
console.log(`${services.length} services, ${policies.length} AWS managed policies`)
