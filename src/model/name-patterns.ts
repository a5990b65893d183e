// Name pattern lists as Elasticsearch writes them (`logs-*,metrics-*,-.*`), for index names and
// stream names alike: a name is allowed when a pattern matches it and no exclusion (`-pattern`)
// does. `*` matches any characters. Pure.
export function namePatternMatcher(patterns: readonly string[]): (name: string) => boolean {
  const toRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const include = patterns.filter((p) => !p.startsWith('-')).map(toRegExp);
  const exclude = patterns.filter((p) => p.startsWith('-')).map((p) => toRegExp(p.slice(1)));
  return (name) => include.some((re) => re.test(name)) && !exclude.some((re) => re.test(name));
}
