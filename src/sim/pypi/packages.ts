/**
 * A package index for tests: the real names, versions and Requires-Dist of what monailabel 0.8.5
 * pulls in, as stub wheels with no code, so pip's real resolver shows what an install would
 * download. Each line: `name version sizeMB | requirement; requirement; …`.
 *
 * Requirements: monailabel 0.8.5 from Project-MONAI/MONAILabel@0.8.5 setup.cfg (src/monai/pins.ts);
 * monai 1.4.0 and 1.5.0 from Project-MONAI/MONAI setup.cfg at those tags (1.5.1's torch floor is
 * from its changelog); sam2 from facebookresearch/sam2 setup.py; torch and torchvision as their
 * PyPI wheels for Linux x86_64 declare them. The other packages' requirements are their
 * published ones, trimmed to what applies on Linux and Python 3.10–3.12 (optional extras left
 * out). Only the packages the tests and the benchmark need are listed.
 *
 * Sizes: the wheel pip would download on Linux x86_64 for CPython 3.11 (manylinux, else
 * py3-none-any), from the releases' file lists on pypi.org, in MB, rounded. Recorded by hand,
 * not re-measured here (PyPI is unreachable from this project's machines), so they are
 * approximate: good for "hundreds of MB" versus "gigabytes", not for exact totals.
 */
const TABLE = `
monai 1.4.0 1.5 | torch>=1.9; numpy<2.0,>=1.24
monai 1.5.0 2.6 | torch<2.7.0,>=2.4.1; numpy<3.0,>=1.24
monai 1.5.1 2.7 | torch>=2.4.1; numpy<3.0,>=1.24
torch 2.4.0 797.2 | filelock; typing-extensions>=4.8.0; sympy; networkx; jinja2; fsspec; nvidia-cuda-nvrtc-cu12==12.1.105; nvidia-cuda-runtime-cu12==12.1.105; nvidia-cuda-cupti-cu12==12.1.105; nvidia-cudnn-cu12==9.1.0.70; nvidia-cublas-cu12==12.1.3.1; nvidia-cufft-cu12==11.0.2.54; nvidia-curand-cu12==10.3.2.106; nvidia-cusolver-cu12==11.4.5.107; nvidia-cusparse-cu12==12.1.0.106; nvidia-nccl-cu12==2.20.5; nvidia-nvtx-cu12==12.1.105; triton==3.0.0
torch 2.5.1 906.4 | filelock; typing-extensions>=4.8.0; networkx; jinja2; fsspec; nvidia-cuda-nvrtc-cu12==12.4.127; nvidia-cuda-runtime-cu12==12.4.127; nvidia-cuda-cupti-cu12==12.4.127; nvidia-cudnn-cu12==9.1.0.70; nvidia-cublas-cu12==12.4.5.8; nvidia-cufft-cu12==11.2.1.3; nvidia-curand-cu12==10.3.5.147; nvidia-cusolver-cu12==11.6.1.9; nvidia-cusparse-cu12==12.3.1.170; nvidia-nccl-cu12==2.21.5; nvidia-nvtx-cu12==12.4.127; nvidia-nvjitlink-cu12==12.4.127; triton==3.1.0; sympy==1.13.1
torch 2.7.1 821.2 | filelock; typing-extensions>=4.10.0; sympy>=1.13.3; networkx; jinja2; fsspec; nvidia-cuda-nvrtc-cu12==12.6.77; nvidia-cuda-runtime-cu12==12.6.77; nvidia-cuda-cupti-cu12==12.6.80; nvidia-cudnn-cu12==9.5.1.17; nvidia-cublas-cu12==12.6.4.1; nvidia-cufft-cu12==11.3.0.4; nvidia-curand-cu12==10.3.7.77; nvidia-cusolver-cu12==11.7.1.2; nvidia-cusparse-cu12==12.5.4.2; nvidia-cusparselt-cu12==0.6.3; nvidia-nccl-cu12==2.26.2; nvidia-nvtx-cu12==12.6.77; nvidia-nvjitlink-cu12==12.6.85; nvidia-cufile-cu12==1.11.1.6; triton==3.3.1; setuptools; python_version >= "3.12"
torchvision 0.19.0 7.0 | numpy; torch==2.4.0; pillow!=8.3.*,>=5.3.0
torchvision 0.20.1 7.2 | numpy; torch==2.5.1; pillow!=8.3.*,>=5.3.0
torchvision 0.22.1 7.5 | numpy; torch==2.7.1; pillow!=8.3.*,>=5.3.0
sam2 1.1.0 0.0 | torch>=2.5.1; torchvision>=0.20.1; numpy>=1.24.4; tqdm>=4.66.1; hydra-core>=1.3.2; iopath>=0.1.10; pillow>=9.4.0
hydra-core 1.3.2 0.2 | omegaconf<2.4,>=2.2; antlr4-python3-runtime==4.9.*; packaging
omegaconf 2.3.0 0.1 | antlr4-python3-runtime==4.9.*; PyYAML>=5.1.0
antlr4-python3-runtime 4.9.3 0.1 |
iopath 0.1.10 0.1 | tqdm; typing-extensions; portalocker
portalocker 2.8.2 0.1 |
nvidia-cuda-nvrtc-cu12 12.1.105 23.7 |
nvidia-cuda-runtime-cu12 12.1.105 0.8 |
nvidia-cuda-cupti-cu12 12.1.105 14.1 |
nvidia-cublas-cu12 12.1.3.1 410.6 |
nvidia-cufft-cu12 11.0.2.54 121.6 |
nvidia-curand-cu12 10.3.2.106 56.5 |
nvidia-cusolver-cu12 11.4.5.107 124.2 | nvidia-cublas-cu12; nvidia-nvjitlink-cu12; nvidia-cusparse-cu12
nvidia-cusparse-cu12 12.1.0.106 196.0 | nvidia-nvjitlink-cu12
nvidia-nccl-cu12 2.20.5 176.2 |
nvidia-nvtx-cu12 12.1.105 0.1 |
nvidia-cudnn-cu12 9.1.0.70 664.8 | nvidia-cublas-cu12
nvidia-cuda-nvrtc-cu12 12.4.127 24.6 |
nvidia-cuda-runtime-cu12 12.4.127 0.9 |
nvidia-cuda-cupti-cu12 12.4.127 13.8 |
nvidia-cublas-cu12 12.4.5.8 363.4 |
nvidia-cufft-cu12 11.2.1.3 211.5 | nvidia-nvjitlink-cu12
nvidia-curand-cu12 10.3.5.147 56.3 |
nvidia-cusolver-cu12 11.6.1.9 127.9 | nvidia-cublas-cu12; nvidia-nvjitlink-cu12; nvidia-cusparse-cu12
nvidia-cusparse-cu12 12.3.1.170 207.5 | nvidia-nvjitlink-cu12
nvidia-nccl-cu12 2.21.5 188.7 |
nvidia-nvtx-cu12 12.4.127 0.1 |
nvidia-nvjitlink-cu12 12.4.127 21.1 |
nvidia-cuda-nvrtc-cu12 12.6.77 23.7 |
nvidia-cuda-runtime-cu12 12.6.77 0.9 |
nvidia-cuda-cupti-cu12 12.6.80 8.9 |
nvidia-cudnn-cu12 9.5.1.17 571.0 | nvidia-cublas-cu12
nvidia-cublas-cu12 12.6.4.1 393.1 |
nvidia-cufft-cu12 11.3.0.4 200.2 | nvidia-nvjitlink-cu12
nvidia-curand-cu12 10.3.7.77 56.3 |
nvidia-cusolver-cu12 11.7.1.2 158.2 | nvidia-cublas-cu12; nvidia-nvjitlink-cu12; nvidia-cusparse-cu12
nvidia-cusparse-cu12 12.5.4.2 216.6 | nvidia-nvjitlink-cu12
nvidia-cusparselt-cu12 0.6.3 156.8 |
nvidia-nccl-cu12 2.26.2 201.3 |
nvidia-nvtx-cu12 12.6.77 0.1 |
nvidia-nvjitlink-cu12 12.6.85 19.7 |
nvidia-cufile-cu12 1.11.1.6 1.1 |
triton 3.0.0 209.4 | filelock
triton 3.1.0 209.5 | filelock
triton 3.3.1 155.7 | setuptools>=40.8.0
filelock 3.11.0 0.1 |
filelock 3.13.1 0.1 |
typing-extensions 4.12.2 0.1 |
sympy 1.13.1 6.2 | mpmath<1.4,>=1.1.0
sympy 1.13.3 6.2 | mpmath<1.4,>=1.1.0
mpmath 1.3.0 0.5 |
networkx 3.3 1.7 |
jinja2 3.1.4 0.1 | MarkupSafe>=2.0
markupsafe 2.1.5 0.1 |
fsspec 2024.6.1 0.2 |
numpy 1.26.4 18.3 |
numpy 2.1.3 16.3 |
pillow 10.3.0 4.5 |
setuptools 69.5.1 0.9 |
pydicom 2.4.4 1.8 |
pydicom 3.0.1 2.4 |
uvicorn 0.29.0 0.1 | click>=7.0; h11>=0.8
click 8.1.7 0.1 |
h11 0.14.0 0.1 |
pydantic 2.7.0 0.4 | annotated-types>=0.4.0; pydantic-core==2.18.1; typing-extensions>=4.6.1
pydantic-core 2.18.1 2.1 | typing-extensions!=4.7.0,>=4.6.0
annotated-types 0.7.0 0.1 |
pydantic-settings 2.2.1 0.1 | pydantic>=2.3.0; python-dotenv>=0.21.0
python-dotenv 1.0.1 0.1 |
fastapi 0.110.2 0.1 | pydantic!=1.8,!=1.8.1,!=2.0.0,!=2.0.1,!=2.1.0,<3.0.0,>=1.7.4; starlette<0.38.0,>=0.37.2; typing-extensions>=4.8.0
starlette 0.37.2 0.1 | anyio<5,>=3.4.0
anyio 4.4.0 0.1 | idna>=2.8; sniffio>=1.1
sniffio 1.3.1 0.1 |
idna 3.7 0.1 |
python-multipart 0.0.9 0.1 |
httpx 0.27.0 0.1 | anyio; certifi; httpcore==1.*; idna; sniffio
httpcore 1.0.5 0.1 | certifi; h11<0.15,>=0.13
certifi 2024.6.2 0.2 |
schedule 1.2.1 0.1 |
dicomweb-client 0.59.1 0.1 | numpy>=1.19; requests>=2.18; retrying>=1.3.3; Pillow>=8.3; pydicom>=2.2; google-auth>=1.6; extra == "gcp"
retrying 1.3.4 0.1 | six>=1.7.0
six 1.16.0 0.1 |
timeloop 1.0.2 0.1 |
expiringdict 1.2.2 0.1 |
expiring-dict 1.1.0 0.1 |
cachetools 5.3.3 0.1 |
watchdog 4.0.0 0.1 |
pydicom-seg 0.4.1 0.1 | SimpleITK>1.2.4; jsonschema<5.0.0,>=3.2.0; numpy>=1.18.0; pydicom>=1.4.2
simpleitk 2.3.1 52.7 |
jsonschema 4.22.0 0.1 | attrs>=22.2.0; jsonschema-specifications>=2023.03.6; referencing>=0.28.4; rpds-py>=0.7.1
jsonschema-specifications 2023.12.1 0.1 | referencing>=0.31.0
referencing 0.35.1 0.1 | attrs>=22.2.0; rpds-py>=0.7.0
rpds-py 0.18.1 1.1 |
attrs 23.2.0 0.1 |
pynetdicom 2.0.2 1.9 | pydicom>=2.2.0
pynrrd 1.0.0 0.1 | numpy>=1.11.1; typing-extensions
numpymaxflow 0.0.7 0.6 | numpy
girder-client 3.2.3 0.1 | click>=6.7; diskcache; requests>=2.4.2; requests-toolbelt
diskcache 5.6.3 0.1 |
ninja 1.11.1.1 0.3 |
einops 0.7.0 0.1 |
pyyaml 6.0.1 0.8 |
passlib 1.7.4 0.5 |
pyjwt 2.8.0 0.1 |
bcrypt 4.1.2 0.7 |
shapely 2.0.4 2.5 | numpy<3,>=1.14
requests 2.32.2 0.1 | charset-normalizer<4,>=2; idna<4,>=2.5; urllib3<3,>=1.21.1; certifi>=2017.4.17; PySocks!=1.5.7,>=1.5.6; extra == "socks"
charset-normalizer 3.3.2 0.1 |
pysocks 1.7.1 0.1 |
requests-toolbelt 1.0.0 0.1 | requests<3.0.0,>=2.0.1
urllib3 2.2.2 0.1 |
scikit-learn 1.5.0 13.3 | numpy>=1.19.5; scipy>=1.6.0; joblib>=1.2.0; threadpoolctl>=3.1.0
scipy 1.13.1 38.6 | numpy<2.3,>=1.22.4
joblib 1.4.2 0.3 |
threadpoolctl 3.5.0 0.1 |
google-auth 2.29.0 0.2 | cachetools<6.0,>=2.0.0; pyasn1-modules>=0.2.1; rsa<5,>=3.1.4
pyasn1-modules 0.4.0 0.2 | pyasn1<0.7.0,>=0.4.6
pyasn1 0.6.0 0.1 |
rsa 4.9 0.1 | pyasn1>=0.1.3
nibabel 5.2.1 3.3 | numpy>=1.20; packaging>=17
packaging 24.1 0.1 |
scikit-image 0.23.2 14.7 | numpy>=1.23; scipy>=1.9; networkx>=2.8; pillow>=9.1; imageio>=2.33; tifffile>=2022.8.12; packaging>=21; lazy-loader>=0.4
imageio 2.34.1 0.3 | numpy; pillow>=8.3.2
tifffile 2024.5.22 0.2 | numpy
lazy-loader 0.4 0.1 | packaging
tensorboard 2.16.2 5.5 | absl-py>=0.4; grpcio>=1.48.2; markdown>=2.6.8; numpy>=1.12.0; protobuf!=4.24.0,>=3.19.6; setuptools>=41.0.0; six>1.9; tensorboard-data-server<0.8.0,>=0.7.0; werkzeug>=1.0.1
absl-py 2.1.0 0.1 |
grpcio 1.64.1 5.6 |
markdown 3.6 0.1 |
protobuf 4.25.3 0.3 |
tensorboard-data-server 0.7.2 6.6 |
werkzeug 3.0.3 0.2 | MarkupSafe>=2.1.1
gdown 5.2.0 0.1 | beautifulsoup4; filelock; requests[socks]; tqdm
beautifulsoup4 4.12.3 0.1 | soupsieve>1.2
soupsieve 2.5 0.1 |
tqdm 4.66.4 0.1 |
pytorch-ignite 0.4.11 0.3 | torch<3,>=1.3; packaging
itk 5.4.0 0.1 | itk-core==5.4.0; itk-numerics==5.4.0; itk-io==5.4.0; itk-filtering==5.4.0; itk-registration==5.4.0; itk-segmentation==5.4.0; numpy
itk-core 5.4.0 82.0 |
itk-numerics 5.4.0 60.1 | itk-core==5.4.0
itk-io 5.4.0 26.5 | itk-core==5.4.0
itk-filtering 5.4.0 73.6 | itk-numerics==5.4.0
itk-registration 5.4.0 22.3 | itk-filtering==5.4.0
itk-segmentation 5.4.0 15.4 | itk-filtering==5.4.0
lmdb 1.4.1 0.3 |
psutil 5.9.8 0.3 |
openslide-python 1.3.1 0.1 | Pillow
fire 0.6.0 0.1 | six; termcolor
termcolor 2.4.0 0.1 |
mlflow 2.13.2 25.1 | alembic!=1.10.0,<2; docker<8,>=4.0.0; Flask<4; graphene<4; gunicorn<23; markdown<4,>=3.3; matplotlib<4; numpy<2; pandas<3; pyarrow<16,>=4.0.0; querystring-parser<2; scikit-learn<2; scipy<2; sqlalchemy<3,>=1.4.0; Jinja2<4,>=2.11; cachetools<6,>=5.0.0; click<9,>=7.0; cloudpickle<4; entrypoints<1; gitpython<4,>=3.1.9; importlib-metadata!=4.7.0,<8,>=3.7.0; opentelemetry-api<3,>=1.0.0; opentelemetry-sdk<3,>=1.0.0; packaging<25; protobuf<5,>=3.12.0; pytz<2025; pyyaml<7,>=5.1; requests<3,>=2.17.3; sqlparse<1,>=0.4.0
alembic 1.13.1 0.2 | SQLAlchemy>=1.3.0; Mako; typing-extensions>=4
mako 1.3.5 0.1 | MarkupSafe>=0.9.2
sqlalchemy 2.0.30 3.2 | typing-extensions>=4.6.0; greenlet!=0.4.17
greenlet 3.0.3 0.6 |
docker 7.1.0 0.1 | requests>=2.26.0; urllib3>=1.26.0
flask 3.0.3 0.1 | Werkzeug>=3.0.0; Jinja2>=3.1.2; itsdangerous>=2.1.2; click>=8.1.3; blinker>=1.6.2
itsdangerous 2.2.0 0.1 |
blinker 1.8.2 0.1 |
graphene 3.3 0.1 | graphql-core<3.3,>=3.1; graphql-relay<3.3,>=3.1; aniso8601<10,>=8
graphql-core 3.2.3 0.2 |
graphql-relay 3.2.0 0.1 | graphql-core<3.3,>=3.2
aniso8601 9.0.1 0.1 |
gunicorn 22.0.0 0.1 | packaging
matplotlib 3.9.0 8.3 | contourpy>=1.0.1; cycler>=0.10; fonttools>=4.22.0; kiwisolver>=1.3.1; numpy>=1.23; packaging>=20.0; pillow>=8; pyparsing>=2.3.1; python-dateutil>=2.7
contourpy 1.2.1 0.3 | numpy>=1.20
cycler 0.12.1 0.1 |
fonttools 4.53.0 4.9 |
kiwisolver 1.4.5 1.6 |
pyparsing 3.1.2 0.1 |
python-dateutil 2.9.0.post0 0.2 | six>=1.5
pandas 2.2.2 13.0 | numpy>=1.23.2; python-dateutil>=2.8.2; pytz>=2020.1; tzdata>=2022.7
pytz 2024.1 0.5 |
tzdata 2024.1 0.3 |
pyarrow 15.0.2 38.3 | numpy<2,>=1.16.6
querystring-parser 1.2.4 0.1 | six
cloudpickle 3.0.0 0.1 |
entrypoints 0.4 0.1 |
gitpython 3.1.43 0.2 | gitdb<5,>=4.0.1
gitdb 4.0.11 0.1 | smmap<6,>=3.0.1
smmap 5.0.1 0.1 |
importlib-metadata 7.1.0 0.1 | zipp>=0.5
zipp 3.19.2 0.1 |
opentelemetry-api 1.25.0 0.1 | deprecated>=1.2.6; importlib-metadata<=7.1,>=6.0
opentelemetry-sdk 1.25.0 0.1 | opentelemetry-api==1.25.0; opentelemetry-semantic-conventions==0.46b0; typing-extensions>=3.7.4
opentelemetry-semantic-conventions 0.46b0 0.1 | opentelemetry-api==1.25.0
deprecated 1.2.14 0.1 | wrapt<2,>=1.10
wrapt 1.16.0 0.1 |
sqlparse 0.5.0 0.1 |
`;

/** monai's extras that monailabel asks for, as MONAI 1.4.0's setup.cfg maps them to packages. */
const MONAI_EXTRAS: Readonly<Record<string, string>> = {
  nibabel: 'nibabel',
  skimage: 'scikit-image>=0.14.2',
  pillow: 'pillow!=8.3.0',
  tensorboard: 'tensorboard',
  gdown: 'gdown>=4.7.3',
  ignite: 'pytorch-ignite==0.4.11',
  torchvision: 'torchvision',
  itk: 'itk>=5.2',
  tqdm: 'tqdm>=4.47.0',
  lmdb: 'lmdb',
  psutil: 'psutil',
  openslide: 'openslide-python',
  fire: 'fire',
  mlflow: 'mlflow>=2.12.2',
};

export interface StubPackage {
  name: string;
  version: string;
  /** Requires-Dist lines (extras marked with `extra == "…"`). */
  requires: string[];
  extras: string[];
  /** Size of the real wheel, MB. */
  sizeMb: number;
  requiresPython?: string;
  /** Published as a source distribution only: the index gets an sdist to build. */
  sdistOnly?: boolean;
}

function parse(line: string): StubPackage {
  const [head, tail = ''] = line.split('|');
  const [name, version, size] = head!.trim().split(/\s+/);
  const requires = tail
    .split(/;\s(?=[A-Za-z])/)
    .map((part) => part.trim())
    .filter(Boolean);
  return { name: name!, version: version!, sizeMb: Number(size), requires: joinMarkers(requires), extras: [] };
}

/** `pkg; python_version >= "3.12"` was split at its marker: glue markers back to their requirement. */
function joinMarkers(parts: string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (/^(python_version|extra|platform_|sys_platform)/.test(part) && out.length > 0) out[out.length - 1] += `; ${part}`;
    else out.push(part);
  }
  return out;
}

/** Every stub of the index: the table, monai's extras, and monailabel 0.8.5 itself. */
export function stubPackages(): StubPackage[] {
  const packages = TABLE.trim()
    .split('\n')
    .map((line) => parse(line));
  for (const monai of packages.filter((pkg) => pkg.name === 'monai')) {
    monai.extras = Object.keys(MONAI_EXTRAS);
    monai.requires.push(...Object.entries(MONAI_EXTRAS).map(([extra, requirement]) => `${requirement}; extra == "${extra}"`));
  }
  for (const dicomweb of packages.filter((pkg) => pkg.name === 'dicomweb-client')) dicomweb.extras = ['gcp'];
  for (const requests of packages.filter((pkg) => pkg.name === 'requests')) requests.extras = ['socks'];
  for (const sam2 of packages.filter((pkg) => pkg.name === 'sam2')) {
    sam2.requiresPython = '>=3.10';
    sam2.sdistOnly = true;
  }
  for (const pydicom of packages.filter((pkg) => pkg.name === 'pydicom' && pkg.version.startsWith('3.'))) pydicom.requiresPython = '>=3.10';
  return packages;
}

/** Size of a package's real wheel (MB), for the benchmark's download figure; undefined when unknown. */
export function wheelSizeMb(name: string, version: string): number | undefined {
  const key = normalize(name);
  return stubPackages().find((pkg) => normalize(pkg.name) === key && pkg.version === version)?.sizeMb;
}

export function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** What a RunPod PyTorch image has installed: torch, torchvision and what they need (name → version). */
export const IMAGE_PACKAGES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '2.4.0': { torch: '2.4.0', torchvision: '0.19.0', triton: '3.0.0', 'nvidia-cuda-nvrtc-cu12': '12.1.105', 'nvidia-cuda-runtime-cu12': '12.1.105', 'nvidia-cuda-cupti-cu12': '12.1.105', 'nvidia-cudnn-cu12': '9.1.0.70', 'nvidia-cublas-cu12': '12.1.3.1', 'nvidia-cufft-cu12': '11.0.2.54', 'nvidia-curand-cu12': '10.3.2.106', 'nvidia-cusolver-cu12': '11.4.5.107', 'nvidia-cusparse-cu12': '12.1.0.106', 'nvidia-nccl-cu12': '2.20.5', 'nvidia-nvtx-cu12': '12.1.105', 'nvidia-nvjitlink-cu12': '12.4.127', filelock: '3.13.1', 'typing-extensions': '4.12.2', sympy: '1.13.1', mpmath: '1.3.0', networkx: '3.3', jinja2: '3.1.4', markupsafe: '2.1.5', fsspec: '2024.6.1', numpy: '1.26.4', pillow: '10.3.0' },
  '2.5.1': { torch: '2.5.1', torchvision: '0.20.1', triton: '3.1.0', 'nvidia-cuda-nvrtc-cu12': '12.4.127', 'nvidia-cuda-runtime-cu12': '12.4.127', 'nvidia-cuda-cupti-cu12': '12.4.127', 'nvidia-cudnn-cu12': '9.1.0.70', 'nvidia-cublas-cu12': '12.4.5.8', 'nvidia-cufft-cu12': '11.2.1.3', 'nvidia-curand-cu12': '10.3.5.147', 'nvidia-cusolver-cu12': '11.6.1.9', 'nvidia-cusparse-cu12': '12.3.1.170', 'nvidia-nccl-cu12': '2.21.5', 'nvidia-nvtx-cu12': '12.4.127', 'nvidia-nvjitlink-cu12': '12.4.127', filelock: '3.13.1', 'typing-extensions': '4.12.2', sympy: '1.13.1', mpmath: '1.3.0', networkx: '3.3', jinja2: '3.1.4', markupsafe: '2.1.5', fsspec: '2024.6.1', numpy: '1.26.4', pillow: '10.3.0' },
};
