/** The documentation the bot points people to, in one place. */
export const LINKS = {
  slicerDownload: 'https://download.slicer.org',
  extensionsManager: 'https://slicer.readthedocs.io/en/latest/user_guide/extensions_manager.html',
  quickstart: 'https://monai.readthedocs.io/projects/label/en/latest/quickstart.html',
  installation: 'https://monai.readthedocs.io/projects/label/en/latest/installation.html',
  slicerPlugin: 'https://github.com/Project-MONAI/MONAILabel/tree/main/plugins/slicer',
  monaiDocs: 'https://monai.readthedocs.io/projects/label/en/latest/',
} as const;
