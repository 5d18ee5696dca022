// Finds and replaces the README sections between `<!-- NAME:start -->` and `<!-- NAME:end -->`.

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const

export const generatedSection = (text: string, name: string): string | undefined => {
  const [start, end] = markers(name)
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) return undefined
  return text.slice(from + start.length, to).trim()
}

export const replaceGeneratedSection = (text: string, name: string, body: string): string => {
  const [start, end] = markers(name)
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`)
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`
}
