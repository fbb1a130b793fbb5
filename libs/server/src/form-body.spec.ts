import { DomainError } from '@app/errors';
import { FORM_MESSAGES, MAX_FORM_PARAMETERS, parseForm } from './form-body.js';

/** What URLSearchParams, the WHATWG parser, reads from a body: the reference. */
function reference(text: string): Record<string, string | string[]> {
  const parameters = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = parameters[name];
    if (existing === undefined) parameters[name] = value;
    else if (typeof existing === 'string') parameters[name] = [existing, value];
    else existing.push(value);
  }
  return parameters;
}

describe('parseForm', () => {
  it.each([
    ['token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_-AZaz09'],
    ['grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&audience=api&audience=mcp'],
    ['a=1&&b=2&'],
    ['&&&'],
    ['='],
    ['name'],
    ['a=b=c==&d=='],
    ['q=a+b%2Bc%20d'],
    ['e=%C3%A9&f=%e9&g=%zz&h=%&i=%4'],
    ['?a=1&?b=2&?c=%41'],
    ['??x=y'],
    ['é=ü&ключ=значение+и%20пробел'],
    ['resource=https%3A%2F%2Fmcp.example.com%2Fmcp&resource=https://a.example/x?y=1'],
    ['__proto__=x&constructor=y&toString=z'],
  ])('reads %j as URLSearchParams does', (text) => {
    expect(parseForm(text)).toEqual(reference(text));
  });

  it('reads bodies made of random pieces as URLSearchParams does', () => {
    const pieces = [
      'a',
      'b',
      '=',
      '&',
      '%',
      '+',
      '?',
      '2',
      '0',
      '%41',
      '%C3',
      '%A9',
      '%g',
      'é',
      ' ',
      '.',
      '-',
      '_',
      '~',
      '%2B',
      '%26',
      '%3D',
    ];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) % pieces.length;
    for (let body = 0; body < 2000; body++) {
      const text = Array.from({ length: 1 + (body % 24) }, () => pieces[next()]).join('');
      const expected = reference(text);
      // A NUL, decoded from a %00 the pieces made, is refused instead.
      if (JSON.stringify(expected).includes('\\u0000')) expect(() => parseForm(text)).toThrow(FORM_MESSAGES.nul);
      else expect([text, parseForm(text)]).toEqual([text, expected]);
    }
  });

  it('gives its answer no prototype', () => {
    const parameters = parseForm('__proto__=x');
    expect(Object.getPrototypeOf(parameters)).toBeNull();
    expect(parameters.__proto__).toBe('x');
  });

  it.each([
    ['a raw NUL in a value', 'token=a\u0000b', `token ${FORM_MESSAGES.nul}`],
    ['a NUL in a value', 'token=a%00b', `token ${FORM_MESSAGES.nul}`],
    ['a NUL in a name', 'tok%00en=a', `a parameter name ${FORM_MESSAGES.nul}`],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseForm(text)).toThrow(new DomainError('invalid', message));
  });

  it(`refuses more than ${MAX_FORM_PARAMETERS} parameters before decoding any`, () => {
    expect(Object.keys(parseForm(Array.from({ length: MAX_FORM_PARAMETERS }, (_, i) => `p${i}=1`).join('&')))).toHaveLength(
      MAX_FORM_PARAMETERS,
    );
    expect(() => parseForm(Array.from({ length: MAX_FORM_PARAMETERS + 1 }, (_, i) => `p${i}=%zz`).join('&'))).toThrow(
      FORM_MESSAGES.tooMany,
    );
  });
});
