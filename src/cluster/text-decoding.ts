// File bytes → text as kubectl accepts it: UTF-8 (a BOM dropped) or UTF-16 LE/BE with a BOM (what PowerShell's
// `>` and Notepad write). UTF-32 is named instead of read as garbage.
// kubernetes: staging/src/k8s.io/apimachinery/pkg/util/yaml/decoder.go (NewYAMLOrJSONDecoder reads UTF-16 via BOM)
import {InputFileError} from './kube-errors.js'

/** Decodes a file's bytes; `file` names it in errors. Strings (already decoded) pass through. */
export function decodeText(data: Buffer | string, file: string): string {
  if (typeof data === 'string') return data
  const [b0, b1, b2, b3] = data
  if (
    (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) ||
    (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)
  )
    throw new InputFileError(file, 'UTF-32 text is not supported; convert it first: iconv -f UTF-32 -t UTF-8')
  if (b0 === 0xff && b1 === 0xfe) return utf16(data.subarray(2), file)
  if (b0 === 0xfe && b1 === 0xff) {
    const swapped = Buffer.from(data.subarray(2, data.length - (data.length % 2)))
    return utf16(swapped.swap16(), file, data.length % 2 === 1)
  }
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return data.subarray(3).toString('utf8')
  return data.toString('utf8')
}

function utf16(body: Buffer, file: string, odd = body.length % 2 === 1): string {
  if (odd) throw new InputFileError(file, 'UTF-16 text with an odd number of bytes (truncated?)')
  return body.toString('utf16le')
}
