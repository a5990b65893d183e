// JSON Schema's maxLength and minLength count a string's code points, so Ajv's own keywords walk
// every checked string (ucs2length) on every event. A string's UTF-16 length bounds its code
// points — never more, and at least half — so most strings are decided by `.length` alone:
// maxLength counts only a string longer than its limit in UTF-16 units, minLength only one
// between its limit and twice it. Same verdicts and the same errors as Ajv's keywords
// (test/unit/string-length-keywords.test.ts); measured in bench/README.md, "Per-event costs
// around JSON.parse, and bulk bodies without a copy".
import { _, str, type Ajv, type CodeKeywordDefinition, type KeywordCxt } from 'ajv';

/** Code points in `s` (a surrogate pair counts once): what JSON Schema calls a string's length. */
export function ucs2length(s: string): number {
  const len = s.length;
  let length = 0;
  let pos = 0;
  while (pos < len) {
    length++;
    const value = s.charCodeAt(pos++);
    if (value >= 0xd800 && value <= 0xdbff && pos < len && (s.charCodeAt(pos) & 0xfc00) === 0xdc00) pos++;
  }
  return length;
}

const stringLength: CodeKeywordDefinition = {
  keyword: ['maxLength', 'minLength'],
  type: 'string',
  schemaType: 'number',
  $data: true,
  error: {
    message: ({ keyword, schemaCode }) => str`must NOT have ${keyword === 'maxLength' ? 'more' : 'fewer'} than ${schemaCode} characters`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code(cxt: KeywordCxt) {
    const { keyword, data, schemaCode, gen } = cxt;
    const count = gen.scopeValue('func', { ref: ucs2length }); // (no standalone code is generated)
    cxt.fail$data(keyword === 'maxLength'
      ? _`${data}.length > ${schemaCode} && ${count}(${data}) > ${schemaCode}`
      : _`${data}.length < ${schemaCode} || (${data}.length < 2 * ${schemaCode} && ${count}(${data}) < ${schemaCode})`);
  },
};

/** Replaces Ajv's maxLength and minLength with the versions above (before compiling schemas). */
export function useFastStringLength(ajv: Ajv): Ajv {
  ajv.removeKeyword('maxLength');
  ajv.removeKeyword('minLength');
  return ajv.addKeyword(stringLength);
}
