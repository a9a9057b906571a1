/** The /monai commands: what help lists and what the manifest's usage hint names. */
/** Commands that only inform: anyone may run them anywhere. */
export const OPEN_COMMANDS: ReadonlySet<CommandName> = new Set(['help', 'troubleshoot']);

export type CommandName =
  | 'start'
  | 'stop'
  | 'status'
  | 'logs'
  | 'restart'
  | 'keep'
  | 'costs'
  | 'doctor'
  | 'troubleshoot'
  | 'history'
  | 'terminate'
  | 'forget-host-key'
  | 'new-url'
  | 'adopt'
  | 'help';

export type Access = 'member' | 'admin';

export interface CommandInfo {
  name: CommandName;
  usage: string;
  summary: string;
  example: string;
  access: Access;
}

export const COMMANDS: readonly CommandInfo[] = [
  {
    name: 'start',
    usage: 'start [deepgrow | deepedit | segmentation | model,model…] [new-pod]',
    summary: 'Start the GPU pod (deploy or resume it), start MONAI Label with the models, and post the URL for 3D Slicer. `new-pod` deploys a fresh pod with an empty volume when the old one cannot resume (asks for confirmation).',
    example: '/monai start deepedit',
    access: 'member',
  },
  {
    name: 'stop',
    usage: 'stop',
    summary: 'Stop the pod: compute billing ends, the volume and its data are kept.',
    example: '/monai stop',
    access: 'member',
  },
  {
    name: 'status',
    usage: 'status',
    summary: 'Show the pod’s state, GPU, cost per hour and API URL.',
    example: '/monai status',
    access: 'member',
  },
  {
    name: 'logs',
    usage: 'logs [lines]',
    summary: 'The last lines of MONAI Label’s log (30 by default, at most 200), privately.',
    example: '/monai logs 100',
    access: 'member',
  },
  {
    name: 'restart',
    usage: 'restart',
    summary: 'Restart MONAI Label on the running pod (the pod itself keeps running).',
    example: '/monai restart',
    access: 'member',
  },
  {
    name: 'keep',
    usage: 'keep [1h | 4h | tomorrow]',
    summary: 'Keep the pod running: no idle warning or automatic stop until then.',
    example: '/monai keep 4h',
    access: 'member',
  },
  {
    name: 'costs',
    usage: 'costs',
    summary: 'The cost digest now: running and stopped pods, idle time, storage, balance and runway, privately.',
    example: '/monai costs',
    access: 'member',
  },
  {
    name: 'doctor',
    usage: 'doctor',
    summary: 'Check every link from the RunPod key to the DICOMweb server, with the fix for the first broken one.',
    example: '/monai doctor',
    access: 'member',
  },
  {
    name: 'troubleshoot',
    usage: 'troubleshoot <question>',
    summary: 'The fix and the right docs for a problem, e.g. Slicer cannot connect. Mentioning me or a DM works too.',
    example: '/monai troubleshoot slicer cannot connect',
    access: 'member',
  },
  {
    name: 'history',
    usage: 'history',
    summary: 'The last 20 things done with the bot — by whom, when, and how they ended — privately.',
    example: '/monai history',
    access: 'member',
  },
  {
    name: 'terminate',
    usage: 'terminate',
    summary: 'Admins: delete the pod and its volume for good (asks for confirmation).',
    example: '/monai terminate',
    access: 'admin',
  },
  {
    name: 'forget-host-key',
    usage: 'forget-host-key',
    summary: 'Admins: accept a new SSH host key for the pod after checking why it changed (asks for confirmation).',
    example: '/monai forget-host-key',
    access: 'admin',
  },
  {
    name: 'new-url',
    usage: 'new-url',
    summary: 'Admins: replace the secret URL for 3D Slicer; the old one stops working at once and the channel is told (asks for confirmation).',
    example: '/monai new-url',
    access: 'admin',
  },
  {
    name: 'adopt',
    usage: 'adopt',
    summary: 'Admins: let the bot manage a pod of its name that it did not deploy, after checking whose it is (asks for confirmation).',
    example: '/monai adopt',
    access: 'admin',
  },
  { name: 'help', usage: 'help', summary: 'This list.', example: '/monai help', access: 'member' },
];
