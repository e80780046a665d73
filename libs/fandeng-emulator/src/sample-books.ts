/** What the protected sample API returns: enough to prove a call went through. */
export const SAMPLE_BOOKS = Object.freeze([
  Object.freeze({ id: 'b-001', title: '非暴力沟通', author: 'Marshall B. Rosenberg' }),
  Object.freeze({ id: 'b-002', title: 'The Effective Executive', author: 'Peter F. Drucker' }),
]);
