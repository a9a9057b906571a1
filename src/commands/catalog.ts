/** The /monai commands: what help lists and what the manifest's usage hint names. */
export type CommandName = 'start' | 'stop' | 'status' | 'help';

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
    usage: 'start',
    summary: 'Start the GPU pod (deploy or resume it) and post the API URL.',
    example: '/monai start',
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
  { name: 'help', usage: 'help', summary: 'This list.', example: '/monai help', access: 'member' },
];
