// layoutColumns feeds cli-table3 slices of rows with the whole table's widths (one table is quadratic: minutes for 20,000 rows);
// one unsliced cli-table3 table is the oracle for the exact text, colour codes and wide characters included.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import Table from 'cli-table3'
import {layoutColumns} from '../../src/render/verdict-table.js'

// The cli-table3 setup the table used before: no borders, three spaces between columns, no padding, lines trimmed.
const oracle = (rows: readonly (readonly string[])[]): string => {
  const [head = [], ...body] = rows
  const chars = Object.fromEntries(
    ['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right']
      .concat(['left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid'])
      .map((k) => [k, '']),
  )
  const table = new Table({
    head: [...head],
    chars: {...chars, middle: '   '},
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true},
  })
  for (const row of body) table.push([...row])
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}

const red = (s: string) => `\u001b[31m${s}\u001b[39m`

describe('layoutColumns lays out exactly as cli-table3 did', () => {
  const cases: {name: string; rows: string[][]}[] = [
    {
      name: 'plain ASCII',
      rows: [
        ['NAME', 'KIND'],
        ['web-1', 'Pod'],
        ['a-much-longer-name', 'Deployment'],
      ],
    },
    {
      name: 'a header wider than every cell',
      rows: [
        ['WOULD-INJECT', 'X'],
        ['no', 'y'],
      ],
    },
    {
      name: 'colour codes take no columns',
      rows: [
        ['A', 'B', 'C'],
        [red('yes'), 'x', red('?')],
        ['no', red('rejected'), ''],
      ],
    },
    {
      name: 'wide (CJK) characters take two columns',
      rows: [
        ['NAME', 'LABEL'],
        ['web', '日本語'],
        ['api', 'abc'],
      ],
    },
    {
      name: 'emoji take two columns',
      rows: [
        ['NAME', 'LABEL'],
        ['a', '🚀x'],
        ['b', 'plain'],
      ],
    },
    {
      name: 'empty cells and a trailing empty column',
      rows: [
        ['A', 'B', 'C'],
        ['', 'x', ''],
        ['long-cell', '', ''],
      ],
    },
    {name: 'only the header', rows: [['NAMESPACE', 'NAME']]},
    {
      // Several slices: the widest cells sit in the last rows, so every slice must use the whole table's widths.
      name: 'hundreds of rows, the widest cells last',
      rows: [
        ['NAMESPACE', 'NAME', 'REASON'],
        ...Array.from({length: 300}, (_, i) => [`ns-${i % 7}`, `pod-${i}`, i % 3 === 0 ? red('?') : 'ok']),
        ['a-very-long-namespace-name', 'the-longest-pod-name-of-all', 'NamespaceLabelEnabled'],
      ],
    },
  ]
  for (const c of cases) it(c.name, () => assert.equal(layoutColumns(c.rows), oracle(c.rows)))
})
