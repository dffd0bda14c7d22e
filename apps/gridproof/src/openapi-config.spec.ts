import { openApiConfig } from './bootstrap';

describe('the OpenAPI document header', () => {
  it('says how to authenticate without raw angle brackets (rendered as HTML they vanish) and does not call the keys JWTs', () => {
    const doc = openApiConfig();
    expect(doc.info.description).toMatch(/`Authorization: Bearer gpk_…`/);
    expect(doc.info.description).not.toMatch(/<key>/);
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(JSON.stringify(doc.components?.securitySchemes)).not.toMatch(/JWT/);
  });
});
