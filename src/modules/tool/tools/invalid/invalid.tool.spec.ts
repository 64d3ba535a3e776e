import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { fileTools } from '../file-tools';
import { invalidTool } from './invalid.tool';

describe('invalid tool', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());

  it('turns a bad call into an explanation the model can act on', async () => {
    const r = await invalidTool.execute({ tool: 'raed', error: 'Unknown tool "raed"' }, makeToolContext(sb.ws));
    expect(r.title).toBe('Invalid Tool');
    expect(r.output).toContain('"raed"');
    expect(r.output).toContain('Unknown tool "raed"');
    expect(r.metadata).toMatchObject({ tool: 'raed', error: 'Unknown tool "raed"' });
  });

  it('fileTools() offers every file tool with an object JSON schema and a description', () => {
    const tools = fileTools({ ripgrepPath: null });
    expect(tools.map((t) => t.id)).toEqual([
      'read',
      'write',
      'edit',
      'multiedit',
      'apply_patch',
      'list',
      'glob',
      'grep',
      'invalid',
    ]);
    for (const t of tools) {
      expect(t.description.length).toBeGreaterThan(20);
      const schema = t.toJsonSchema();
      expect(schema.type).toBe('object');
      expect(Object.keys(schema.properties as object).length).toBeGreaterThan(0);
    }
    expect(tools[0].toJsonSchema().required).toEqual(['filePath']);
  });
});
