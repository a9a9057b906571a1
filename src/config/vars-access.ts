import { list, slackId, spec } from './spec.js';

export const ACCESS_VARIABLES = {
  ALLOWED_CHANNEL_IDS: spec({
    name: 'ALLOWED_CHANNEL_IDS',
    default: '',
    doc: 'Channel IDs where /monai may act on the pod (comma-separated); empty = any channel',
    schema: list(slackId('CG')),
  }),
  ALLOWED_USER_IDS: spec({
    name: 'ALLOWED_USER_IDS',
    default: '',
    doc: 'User IDs who may act on the pod; empty = everyone in the allowed channels',
    schema: list(slackId('UW')),
  }),
  ADMIN_USER_IDS: spec({
    name: 'ADMIN_USER_IDS',
    default: '',
    doc: 'User IDs who may also terminate the pod and forget its SSH host key',
    schema: list(slackId('UW')),
  }),
};
