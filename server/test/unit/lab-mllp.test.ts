import { describe, expect, it } from 'vitest';
import { frame, unframe } from '../../src/features/lab/mllp.ts';

describe('MLLP framing', () => {
  it('splits complete frames and keeps a partial one for the next chunk', () => {
    const both = Buffer.concat([frame('MSH|one'), frame('MSH|two')]);
    expect(unframe(both)).toEqual({ messages: ['MSH|one', 'MSH|two'], rest: Buffer.alloc(0) });
    const cut = both.subarray(0, both.length - 1); // the last <CR> not yet here
    const first = unframe(cut);
    expect(first.messages).toEqual(['MSH|one']);
    expect(unframe(Buffer.concat([first.rest, both.subarray(both.length - 1)])).messages).toEqual(['MSH|two']);
  });

  it('drops bytes outside a frame and keeps non-ASCII text intact', () => {
    const noisy = Buffer.concat([Buffer.from('garbage'), frame('NTE|1||हीमोग्लोबिन कम')]);
    expect(unframe(noisy).messages).toEqual(['NTE|1||हीमोग्लोबिन कम']);
    expect(unframe(Buffer.from('no frame here'))).toEqual({ messages: [], rest: Buffer.alloc(0) });
  });
});
