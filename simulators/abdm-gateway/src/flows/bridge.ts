import { object, text } from '../check.ts';
import type { Route } from '../core.ts';
import { AbdmError } from '../errors.ts';

/** Bridge registration: where the gateway calls a bridge, and which HIP/HIU services it runs. */
export const bridgeRoutes: Record<string, Route> = {
  'PATCH /gateway/v3/bridge/url': {
    duplicate: 'duplicateBridgePatch',
    async handle(call) {
      const url = text(object(call.body, 'body').url, 'url');
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new AbdmError('invalidBody', 'url must be an http(s) URL');
      call.client.bridgeUrl = url.replace(/\/+$/, '');
      return { status: 202 };
    },
  },
  'PUT /gateway/v3/bridge-service': {
    duplicate: 'duplicateBridgeService',
    async handle(call, gw) {
      const body = object(call.body, 'body');
      const id = text(body.id, 'id');
      const type = text(body.type, 'type');
      if (type !== 'HIP' && type !== 'HIU') throw new AbdmError('invalidBody', 'type must be HIP or HIU');
      const existing = gw.state.services.get(id);
      if (existing && existing.clientId !== call.client.clientId) throw new AbdmError('invalidServiceId', 'registered by another bridge');
      const service = {
        id,
        name: text(body.name, 'name'),
        type,
        active: body.active !== false,
        clientId: call.client.clientId,
      } as const;
      gw.state.services.set(id, service);
      return { status: 200, body: { id, name: service.name, type, active: service.active } };
    },
  },
  'GET /gateway/v3/bridge-services': {
    async handle(call, gw) {
      const mine = [...gw.state.services.values()].filter((s) => s.clientId === call.client.clientId);
      return { status: 200, body: mine.map(({ id, name, type, active }) => ({ id, name, type, active })) };
    },
  },
};
