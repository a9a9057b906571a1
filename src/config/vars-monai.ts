import { z } from 'zod';
import { BLOCKED_ROUTE, blocksReadiness } from '../monai/gate.js';
import { parseModels, PRESETS, RADIOLOGY_MODELS } from '../monai/models.js';
import { PINNED_VERSIONS } from '../monai/pins.js';
import { list, num, spec, text, url } from './spec.js';

/** A value that ends up in a shell script on the pod: printable, one line, bounded. */
const oneLine = (what: string) =>
  z
    .string()
    .max(256, { message: `expected at most 256 characters (${what})` })
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, { message: `expected one line of printable characters (${what})` });

export const MONAI_VARIABLES = {
  // ---- SSH to the pod
  SSH_PRIVATE_KEY_PATH: spec({
    name: 'SSH_PRIVATE_KEY_PATH',
    default: './data/ssh/id_ed25519',
    doc: 'The bot’s SSH private key (unencrypted ed25519 or RSA); its public key is put on new pods as PUBLIC_KEY',
    schema: z.string().min(1),
  }),
  SSH_USER: spec({
    name: 'SSH_USER',
    default: 'root',
    doc: 'User for SSH on the pod (RunPod images log in as root)',
    schema: text('expected a Unix user name', /^[a-z_][a-z0-9_-]{0,31}$/),
  }),
  SSH_CONNECT_TIMEOUT_SECONDS: spec({
    name: 'SSH_CONNECT_TIMEOUT_SECONDS',
    default: '180',
    doc: 'How long to keep retrying while the pod’s sshd is not up yet',
    schema: num(1, 3600),
  }),
  // ---- MONAI Label
  MONAI_LABEL_VERSION: spec({
    name: 'MONAI_LABEL_VERSION',
    default: '0.8.5',
    doc: 'monailabel version installed into the volume’s venv; only releases the bot has dependency pins for (src/monai/pins.ts)',
    schema: z.enum(PINNED_VERSIONS as [string, ...string[]], {
      message: `expected ${PINNED_VERSIONS.join(' or ')}: the bot installs MONAI Label with dependency pins made for each release (src/monai/pins.ts)`,
    }),
  }),
  MONAI_MODELS: spec({
    name: 'MONAI_MODELS',
    default: 'deepgrow_2d,deepgrow_3d',
    doc: 'Models to serve by default: a preset (deepgrow, deepedit, segmentation), all, or radiology model names',
    schema: z.string().transform((value, ctx) => {
      const choice = parseModels(value);
      if (choice.ok) return choice.models;
      ctx.addIssue({
        code: 'custom',
        message: `expected a preset (${Object.keys(PRESETS).join(', ')}), all, or models from: ${RADIOLOGY_MODELS.join(', ')}`,
      });
      return z.NEVER;
    }),
  }),
  MONAI_SAM2: spec({
    name: 'MONAI_SAM2',
    default: 'false',
    doc: 'true adds the SAM 2 models: needs an image with torch ≥ 2.5.1, builds SAM 2 once and downloads ~1 GB of weights on first start; false keeps start-up short',
    schema: z.enum(['true', 'false'], { message: 'expected true or false' }).transform((value) => value === 'true'),
  }),
  POD_PYTHON: spec({
    name: 'POD_PYTHON',
    doc: 'Python on the pod the venv is made from (optional; by default the bot finds the Python that can import the image’s torch)',
    schema: text('expected a command name or absolute path', /^[A-Za-z0-9._/-]+$/),
  }),
  DICOMWEB_URL: spec({
    name: 'DICOMWEB_URL',
    doc: 'DICOMweb root of the lab’s Orthanc, reachable from the pod (e.g. http://pacs.lab.org:8042/dicom-web)',
    schema: url('the DICOMweb root, e.g. http://pacs.lab.org:8042/dicom-web').pipe(oneLine('DICOMweb URL')),
  }),
  DICOMWEB_USERNAME: spec({
    name: 'DICOMWEB_USERNAME',
    doc: 'Orthanc user for DICOMweb (optional; set both or neither)',
    schema: oneLine('DICOMweb user'),
  }),
  DICOMWEB_PASSWORD: spec({
    name: 'DICOMWEB_PASSWORD',
    doc: 'Orthanc password for DICOMweb (optional; kept in a root-only file on the pod, never shown)',
    secret: true,
    schema: oneLine('DICOMweb password'),
  }),
  MONAI_READY_TIMEOUT_MINUTES: spec({
    name: 'MONAI_READY_TIMEOUT_MINUTES',
    default: '30',
    doc: 'How long install + start-up may take before the bot gives up (a first install downloads a lot)',
    schema: num(0.05, 240),
  }),
  DOCTOR_MIN_FREE_GB: spec({
    name: 'DOCTOR_MIN_FREE_GB',
    default: '2',
    doc: '/monai doctor flags the volume when less than this is free',
    schema: num(0, 100000),
  }),
  MONAI_BLOCKED_ROUTES: spec({
    name: 'MONAI_BLOCKED_ROUTES',
    default: '/proxy/,/ohif/,/batch/',
    doc: 'Routes the gate on the pod refuses even with the secret URL: path prefixes, each optionally after a method (e.g. POST /train/); PUT and DELETE /model/ are always refused',
    schema: list(text('expected path prefixes such as /proxy/ or POST /train/, comma-separated', BLOCKED_ROUTE)).refine((entries) => !entries.some(blocksReadiness), {
      message: 'must not block GET /info/ (or everything): the bot and 3D Slicer read it',
    }),
  }),
  MONAI_POLL_SECONDS: spec({
    name: 'MONAI_POLL_SECONDS',
    default: '1',
    doc: 'Interval between checks of MONAI Label’s HTTP port while it starts',
    schema: num(0.05, 60),
  }),
};
