/**
 * What a MONAI Label release declares and the versions it was released with, kept in the project
 * because pip cannot be trusted to choose: monailabel 0.8.5 declares lower bounds only, so an
 * unconstrained install takes the newest MONAI and SAM 2, which need a newer PyTorch than the
 * image's and download a second torch with its CUDA wheels (≈ 2.5 GB).
 *
 * Sources: Project-MONAI/MONAILabel@0.8.5 setup.cfg `install_requires` (what the released wheel
 * declares) and requirements.txt at the same tag (the `==` versions the release was tested with).
 */
export interface ReleasePins {
  /** The wheel's Requires-Dist lines, in setup.cfg's order. */
  requires: readonly string[];
  /**
   * pip constraints: MONAI 1.4.0 (the newest MONAI whose torch bound the image's torch 2.4 meets),
   * NumPy 1.x (MONAI 1.4.0 and the 0.8.5 code need it), pydicom 2.4.4 (pydicom 3 breaks
   * pydicom-seg, so saving labels as DICOM SEG: Project-MONAI/MONAILabel#1841,
   * razorx89/pydicom-seg#60), and the release's requirements.txt pins.
   */
  constraints: readonly string[];
  /** SAM 2, installed only when MONAI_SAM2=true, and the PyTorch it needs (facebookresearch/sam2 setup.py). */
  sam2: { requirement: string; minTorch: string };
}

const MONAI_EXTRAS = 'nibabel,skimage,pillow,tensorboard,gdown,ignite,torchvision,itk,tqdm,lmdb,psutil,openslide,fire,mlflow';

export const RELEASES: Readonly<Record<string, ReleasePins>> = {
  '0.8.5': {
    requires: [
      `monai[${MONAI_EXTRAS}]>=1.4.0`,
      'uvicorn>=0.29.0',
      'pydantic>=2.7.0',
      'pydantic-settings>=2.2.1',
      'python-dotenv>=1.0.1',
      'fastapi>=0.110.2',
      'python-multipart>=0.0.9',
      'httpx>=0.27.0',
      'schedule>=1.2.1',
      'dicomweb-client[gcp]>=0.59.1',
      'timeloop>=1.0.2',
      'expiringdict>=1.2.2',
      'expiring_dict>=1.1.0',
      'cachetools>=5.3.3',
      'watchdog>=4.0.0',
      'pydicom>=2.4.4',
      'pydicom-seg>=0.4.1',
      'pynetdicom>=2.0.2',
      'pynrrd>=1.0.0',
      'numpymaxflow>=0.0.7',
      'girder-client>=3.2.3',
      'ninja>=1.11.1.1',
      'einops>=0.7.0',
      'pyyaml>=6.0.1',
      'filelock>=3.11.0',
      'passlib>=1.7.4',
      'pyjwt>=2.8.0',
      'bcrypt>=4.1.2',
      'shapely>=2.0.4',
      'requests>=2.31.0',
      'requests-toolbelt>=1.0.0',
      'urllib3>=2.2.1',
      'scikit-learn',
      'scipy',
      'google-auth>=2.29.0',
      'sam2>=0.4.1; python_version >= "3.10"',
    ],
    constraints: [
      'monai==1.4.0',
      'numpy<2',
      'pydicom==2.4.4',
      'uvicorn==0.29.0',
      'pydantic==2.7.0',
      'pydantic-settings==2.2.1',
      'python-dotenv==1.0.1',
      'fastapi==0.110.2',
      'python-multipart==0.0.9',
      'httpx==0.27.0',
      'schedule==1.2.1',
      'dicomweb-client==0.59.1',
      'timeloop==1.0.2',
      'expiringdict==1.2.2',
      'expiring_dict==1.1.0',
      'cachetools==5.3.3',
      'watchdog==4.0.0',
      'pydicom-seg==0.4.1',
      'pynetdicom==2.0.2',
      'pynrrd==1.0.0',
      'numpymaxflow==0.0.7',
      'girder-client==3.2.3',
      'ninja==1.11.1.1',
      'einops==0.7.0',
      'pyyaml==6.0.1',
      'filelock==3.11.0',
      'passlib==1.7.4',
      'pyjwt==2.8.0',
      'bcrypt==4.1.2',
      'shapely==2.0.4',
      'requests==2.32.2',
      'requests-toolbelt==1.0.0',
      'urllib3==2.2.2',
      'google-auth==2.29.0',
    ],
    sam2: { requirement: 'sam2==1.1.0', minTorch: '2.5.1' },
  },
};

export const PINNED_VERSIONS = Object.keys(RELEASES);

export function releasePins(version: string): ReleasePins {
  const pins = RELEASES[version];
  if (!pins) throw new Error(`No dependency pins for MONAI Label ${version}`);
  return pins;
}

/** The release's requirements as the bot installs them: SAM 2 only through its own step. */
export function baseRequirements(pins: ReleasePins): string[] {
  return pins.requires.filter((line) => !/^sam2\b/.test(line));
}
