import { redactSecrets, secretForms } from './secret-forms.js';

describe('secretForms / redactSecrets', () => {
  const secret = 'p+s/w=rd&x y:1$';

  it('knows the raw form and the forms a query string gives it', () => {
    expect(secretForms(secret)).toEqual(
      expect.arrayContaining([
        secret,
        encodeURIComponent(secret),
        new URLSearchParams({ s: secret }).toString().slice(2),
      ]),
    );
    expect(secretForms('plain-secret')).toEqual(['plain-secret']);
  });

  it('redacts every form, the longest first', () => {
    const text = `raw ${secret} encoded ${encodeURIComponent(secret)} form ${new URLSearchParams({ s: secret }).toString().slice(2)}`;
    const redacted = redactSecrets(text, [secret]);

    expect(redacted).toBe('raw [redacted] encoded [redacted] form [redacted]');
  });
});
