/**
 * The roster's length guards on what an invitee's browser sends (the token, the requester) count
 * code points, as the rest of the package does, with every zod of the peer range: zod's own
 * `.max` counts UTF-16 code units before 4.5, so 200 emoji would have been a ValidationFailed on
 * zod 4.3 and an InvalidToken on 4.6. `npm test` runs this file on zod 4.3.0 too
 * (vitest.floor.config.ts).
 */
import { describe, expect, it } from 'vitest';
import type { RateLimiter } from 'agent-roster';
import { aShop, failure } from '../support/shop';

const EMOJI_200 = '🔒'.repeat(200);
const EMOJI_201 = '🔒'.repeat(201);

describe('the token', () => {
  it('is at most 200 code points, whatever they are: up to there it is only an unknown link', async () => {
    const { roster } = await aShop();
    await failure(roster.previewInvitation({ token: EMOJI_200 }), 'InvalidToken');
    await failure(roster.acceptInvitation({ token: EMOJI_200, name: 'Cy', password: 'correct horse battery staple' }), 'InvalidToken');
  });

  it('over 200 code points is refused as input, by name', async () => {
    const { roster } = await aShop();
    for (const token of [EMOJI_201, 'A'.repeat(201)]) {
      expect(await failure(roster.previewInvitation({ token }), 'ValidationFailed')).toMatchObject({
        issues: [{ path: 'token', message: 'Token is too long.' }],
      });
      expect(await failure(roster.acceptInvitation({ token, name: 'Cy', password: 'correct horse battery staple' }), 'ValidationFailed')).toMatchObject({
        issues: [{ path: 'token', message: 'Token is too long.' }],
      });
    }
    // A multi-megabyte token is turned away without counting it.
    await failure(roster.previewInvitation({ token: '🔒'.repeat(1_000_000) }), 'ValidationFailed');
  });
});

describe('the requester', () => {
  it('is at most 200 code points, whatever they are, and reaches the rate limiter whole', async () => {
    const keys: string[] = [];
    const rateLimiter: RateLimiter = {
      consume: async ({ key }) => {
        keys.push(key);
        return { allowed: true };
      },
    };
    const { roster, invite, tokenFor } = await aShop({ rateLimiter });
    await invite('bob@acme.com');
    const token = tokenFor('bob@acme.com');
    (await roster.previewInvitation({ token }, { requester: EMOJI_200 }))._unsafeUnwrap();
    expect(keys.at(-1)).toBe(EMOJI_200);
    expect(await failure(roster.previewInvitation({ token }, { requester: EMOJI_201 }), 'ValidationFailed')).toMatchObject({
      issues: [{ path: 'request.requester', message: 'Requester is too long.' }],
    });
  });
});
