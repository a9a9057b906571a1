/** The radiology app's models, as the Python stand-in (src/sim/monailabel/monailabel/app.py) lists them. */

export type Labels = readonly string[] | Readonly<Record<string, number>>;

export const ORGANS = ['spleen', 'right kidney', 'left kidney', 'liver', 'stomach', 'aorta', 'inferior vena cava'];
const ORGAN_IDS = { spleen: 1, 'right kidney': 2, 'left kidney': 3, liver: 6, stomach: 7, aorta: 8, 'inferior vena cava': 9, background: 0 };
const VERTEBRAE = Object.fromEntries(
  [...[1, 2, 3, 4, 5, 6, 7].map((n) => `C${n}`), ...Array.from({ length: 12 }, (_, i) => `Th${i + 1}`), ...[1, 2, 3, 4, 5].map((n) => `L${n}`)].map(
    (name, index) => [name, index + 1],
  ),
);

export interface ModelSpec {
  /** Class in lib.configs.<name>. */
  className: string;
  type: string;
  dimension: number;
  labels: Labels;
  description: string;
}

export const MODELS: Readonly<Record<string, ModelSpec>> = {
  deepedit: { className: 'DeepEdit', type: 'deepedit', dimension: 3, labels: ORGAN_IDS, description: '3D DeepEdit model for segmentation of multiple organs' },
  deepgrow_2d: { className: 'Deepgrow2D', type: 'deepgrow', dimension: 2, labels: ORGANS, description: '2D Deepgrow model based on BasicUNet' },
  deepgrow_3d: { className: 'Deepgrow3D', type: 'deepgrow', dimension: 3, labels: ORGANS, description: '3D Deepgrow model based on BasicUNet' },
  localization_spine: { className: 'LocalizationSpine', type: 'segmentation', dimension: 3, labels: { spine: 1 }, description: 'Spine localization' },
  localization_vertebra: { className: 'LocalizationVertebra', type: 'segmentation', dimension: 3, labels: VERTEBRAE, description: 'Vertebra localization' },
  segmentation: { className: 'Segmentation', type: 'segmentation', dimension: 3, labels: ORGAN_IDS, description: 'Multi-organ segmentation (SegResNet)' },
  segmentation_spleen: { className: 'SegmentationSpleen', type: 'segmentation', dimension: 3, labels: { spleen: 1 }, description: 'Spleen segmentation (UNet)' },
  segmentation_vertebra: { className: 'SegmentationVertebra', type: 'segmentation', dimension: 3, labels: VERTEBRAE, description: 'Vertebra segmentation' },
  sw_fastedit: { className: 'SlidingWindowFastEdit', type: 'deepedit', dimension: 3, labels: { tumor: 1, background: 0 }, description: 'Sliding window FastEdit' },
};

export const SCRIBBLE_LABELS = ORGAN_IDS;
export const WEIGHTS_URL = (name: string) => `https://github.com/Project-MONAI/MONAILabel/releases/download/pretrained/radiology_${name}_bunet.pt`;
export const GPU = 'NVIDIA GeForce RTX 4090';
export const APPS = ['endoscopy', 'monaibundle', 'pathology', 'radiology', 'vista2d'];

export const NVIDIA_SMI = `+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.127.05             Driver Version: 550.127.05     CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|=========================================+========================+======================|
|   0  NVIDIA GeForce RTX 4090        On  |   00000000:01:00.0 Off |                  Off |
|  0%   34C    P8             21W /  450W |    1843MiB /  24564MiB |      0%      Default |
+-----------------------------------------+------------------------+----------------------+
`;
export const NO_GPU =
  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n";
