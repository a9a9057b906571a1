import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { torchDevices } from '../torch.js';
import { fetchSeries, proxy as proxyToDicomweb } from './dicomweb.js';
import { event, localStamp, type Log } from './log.js';
import { GPU, MODELS, ORGANS, SCRIBBLE_LABELS, type Labels } from './models.js';
import { pyRepr, type PyValue } from './pyformat.js';

/** What the tests make go wrong, read from $MONAILABEL_STANDIN_FAULTS when the server starts (as server.py does). */
export interface Faults {
  /** Every model runs on the CPU (no GPU in the pod). */
  cpuOnly?: boolean;
  /** Weights that fail to download: those models are missing from /info/. */
  missingModels?: string[];
  /** Start-up takes this long before the port opens (a large value: it hangs). */
  startupDelaySeconds?: number;
  /** Start-up waits until this file exists: a hang that the test releases. */
  startupWaitsFor?: string;
  /** Start-up fails with a traceback ending in this RuntimeError. */
  failStartup?: string;
  /** A training task runs from the start. */
  trainingRunning?: boolean;
  /** Dies (as an out-of-memory kill ends it) right after answering /info/. */
  dieAfterServingInfo?: boolean;
  /** `apps --download` hangs this long (GitHub unreachable from the pod). */
  downloadHangSeconds?: number;
  /** The size of every image /datastore/image streams (default 1 MiB). */
  imageBytes?: number;
  /** `apps --download` fails: no space left on the volume. */
  downloadNoSpace?: boolean;
}

interface ModelEntry {
  type: string;
  labels: Labels;
  dimension: number;
  description: string;
  config: { device: string[] };
}

interface TrainTask {
  id: string;
  status: 'RUNNING' | 'DONE' | 'STOPPED';
  start_ts: string;
  end_ts: string | null;
  details: string[];
  request: Record<string, PyValue>;
}

export function truthy(value: unknown): boolean {
  return ['1', 'true', 'yes', 'y', 'on', 't'].includes(String(value).trim().toLowerCase());
}

export function imageId(filename: string): string {
  const ext = ['.nii.gz', '.nii', '.nrrd', '.dcm', '.mha', '.mhd'].find((candidate) => filename.endsWith(candidate));
  return ext ? filename.slice(0, -ext.length) : filename;
}

const entry = (type: string, dimension: number, labels: Labels, description: string, device: string[]): ModelEntry => ({
  type,
  labels,
  dimension,
  description,
  config: { device },
});

/** The radiology app's state: models, datastore (local folder or DICOMweb), active learning, training. */
export class App {
  readonly remote: boolean;
  readonly device: string[];
  readonly imageBytes: number;
  readonly infers: Record<string, ModelEntry> = {};
  readonly trainers: Record<string, PyValue> = {};
  readonly tasks: TrainTask[] = [];
  private readonly labels = new Map<string, Record<string, number>>();
  private seriesCache: { at: number; series: string[] } | null = null;
  private stopTraining: (() => void) | null = null;

  constructor(
    readonly appDir: string,
    private readonly studies: string,
    conf: Record<string, string>,
    models: readonly string[],
    faults: Faults,
    private readonly log: Log,
    private readonly version: string,
  ) {
    this.remote = /^https?:\/\//.test(studies);
    // Without torch in the venv (run from source), the GPU of the tests' pods, as the Python stand-in does.
    this.device = faults.cpuOnly ? ['cpu'] : (torchDevices(process.env) ?? [GPU]);
    this.imageBytes = Math.trunc(Number(faults.imageBytes ?? 1024 * 1024));
    const missing = new Set(faults.missingModels ?? []);
    for (const name of models) {
      const spec = MODELS[name]!;
      if (!missing.has(name)) this.infers[name] = entry(spec.type, spec.dimension, spec.labels, spec.description, this.device);
    }
    if (this.infers['deepgrow_2d'] && this.infers['deepgrow_3d']) {
      this.infers['deepgrow_pipeline'] = entry('deepgrow', 3, ORGANS, 'Combines Clara Deepgrow 2D and 3D models', this.device);
    }
    if (truthy(conf['sam2'] ?? 'true')) {
      for (const dim of [2, 3]) this.infers[`sam_${dim}d`] = entry('deepgrow', dim, [], `SAM2 (${dim}D) interactive segmentation`, this.device);
    }
    if (truthy(conf['scribbles'] ?? 'true')) {
      for (const name of ['Histogram+GraphCut', 'GMM+GraphCut']) this.infers[name] = entry('scribbles', 3, SCRIBBLE_LABELS, 'Scribbles based label refinement', this.device);
    }
    for (const name of models) {
      this.trainers[name] = { name, description: `Train ${name} model`, config: { max_epochs: 50, val_split: 0.2, train_batch_size: 1, val_batch_size: 1 } };
    }
    if (!this.remote) {
      mkdirSync(studies, { recursive: true });
      const final = join(studies, 'labels', 'final');
      for (const name of existsSync(final) ? readdirSync(final).sort() : []) {
        this.labels.set(imageId(name), { final: Math.floor(statSync(join(final, name)).mtimeMs / 1000) });
      }
    }
  }

  // ---- datastore -----------------------------------------------------------------------------
  async images(): Promise<string[]> {
    if (!this.remote) {
      return readdirSync(this.studies)
        .filter((name) => !name.startsWith('.') && statSync(join(this.studies, name)).isFile())
        .map(imageId)
        .sort();
    }
    if (this.seriesCache && performance.now() - this.seriesCache.at < 5_000) return this.seriesCache.series;
    try {
      const series = await fetchSeries(this.studies);
      this.seriesCache = { at: performance.now(), series };
      return series;
    } catch (error) {
      this.log.error('monailabel.datastore.dicom', `Failed to fetch series from DICOMweb: ${(error as Error).message}`);
      throw error;
    }
  }

  async stats(): Promise<Record<string, PyValue>> {
    const total = (await this.images()).length;
    const completed = [...this.labels.values()].filter((tags) => 'final' in tags).length;
    return { total, completed, label_tags: { final: completed } };
  }

  async objects(): Promise<Record<string, PyValue>> {
    const objects: Record<string, PyValue> = {};
    for (const image of await this.images()) {
      const tags = this.labels.get(image) ?? {};
      objects[image] = {
        image: { ext: this.remote ? '' : '.nii.gz', info: {} },
        labels: Object.fromEntries(Object.entries(tags).map(([tag, ts]) => [tag, { info: { ts } }])),
      };
    }
    return { objects };
  }

  saveLabel(image: string, tag: string, size = 0): Record<string, PyValue> {
    this.labels.set(image, { ...this.labels.get(image), [tag]: Math.floor(Date.now() / 1000) });
    if (!this.remote) {
      const folder = join(this.studies, 'labels', tag);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${image}.nii.gz`), 'stand-in label\n');
    }
    this.log.info('monailabel.endpoints.datastore', `Saving Label for ${image} for tag: ${tag} by admin`);
    event('label', { image, bytes: size });
    return { image, label: image };
  }

  // ---- models --------------------------------------------------------------------------------
  weights(model: string): string {
    return join(this.appDir, 'model', `pretrained_${model}.pt`);
  }

  /** PUT /model/{model}: replaces the weights that inference later loads with torch.load. */
  putModel(model: string, data: Buffer): Record<string, PyValue> {
    mkdirSync(dirname(this.weights(model)), { recursive: true });
    writeFileSync(this.weights(model), data);
    this.log.info('monailabel.endpoints.model', `Model ${model} replaced (${data.length} bytes)`);
    event('model_put', { model, bytes: data.length });
    return { model };
  }

  deleteModel(model: string): Record<string, PyValue> {
    rmSync(this.weights(model), { force: true });
    event('model_delete', { model });
    return {};
  }

  /** /proxy/dicom/…: on to the DICOMweb server with the lab's credentials attached. */
  proxy(method: 'GET' | 'POST', path: string, query: string, body: Buffer): Promise<{ status: number; body: Buffer }> {
    event('proxy', { method, path });
    return proxyToDicomweb(this.studies, method, path, query, body);
  }

  async nextSample(strategy: 'random' | 'first' | 'last'): Promise<Record<string, PyValue>> {
    const activelearning = 'monailabel.endpoints.activelearning';
    this.log.info(activelearning, `Active Learning Request: ${pyRepr({ strategy })}`);
    const pending = (await this.images()).filter((image) => !('final' in (this.labels.get(image) ?? {})));
    if (pending.length === 0) {
      this.log.info(activelearning, 'No Unlabeled Images Found');
      return {};
    }
    const index = strategy === 'first' ? 0 : strategy === 'last' ? pending.length - 1 : Math.floor(Math.random() * pending.length);
    const image = pending[index]!;
    const path = this.remote ? join(homedir(), '.cache', 'monailabel', 'dicom', image) : join(this.studies, `${image}.nii.gz`);
    this.log.info(activelearning, `Next sample: ${pyRepr({ id: image, path })}`);
    return { id: image, path };
  }

  infer(model: string, image: string): Record<string, PyValue> {
    const request = { model, image, device: this.device[0] === 'cpu' ? 'cpu' : 'cuda', result_extension: '.nrrd', result_dtype: 'uint8' };
    this.log.info('monailabel.endpoints.infer', `Infer Request: ${pyRepr(request)}`);
    const latencies = { pre: 0.41, infer: 0.87, invert: 0.02, post: 0.11, write: 0.05, total: 1.46 };
    this.log.info('monailabel.tasks.infer.basic_infer', `Latencies: ${pyRepr(latencies)}`);
    const label = `/tmp/tmp${randomUUID().replaceAll('-', '').slice(0, 8)}.nrrd`;
    return { label, params: { label_names: this.infers[model]!.labels, latencies } };
  }

  // ---- training ------------------------------------------------------------------------------
  runningTask(): TrainTask | null {
    return this.tasks.find((task) => task.status === 'RUNNING') ?? null;
  }

  train(model: string, seconds: number, request: Record<string, PyValue>): TrainTask | null {
    if (this.runningTask()) return null;
    const task: TrainTask = { id: randomUUID(), status: 'RUNNING', start_ts: localStamp(), end_ts: null, details: [], request: { model, ...request } };
    this.tasks.push(task);
    this.log.info('monailabel.utils.async_tasks.task', `Train request: ${pyRepr(task.request)}`);
    let epoch = 0;
    const ticker = setInterval(() => task.details.push(`Epoch ${++epoch} completed`), 1_000);
    const finish = (status: 'DONE' | 'STOPPED') => {
      clearInterval(ticker);
      clearTimeout(deadline);
      this.stopTraining = null;
      task.status = status;
      task.end_ts = localStamp();
      this.log.info('monailabel.utils.async_tasks.task', `Train Task ${task.id} ${status}; Return code: ${status === 'STOPPED' ? -15 : 0}`);
    };
    const deadline = setTimeout(() => finish('DONE'), Math.min(seconds * 1000, 2 ** 31 - 1));
    ticker.unref();
    deadline.unref();
    this.stopTraining = () => finish('STOPPED');
    return { ...task };
  }

  stopTrainingTask(): Record<string, PyValue> {
    const task = this.runningTask();
    if (!task) return {};
    this.stopTraining?.();
    return { ...task };
  }

  async info(): Promise<Record<string, PyValue>> {
    const labels: string[] = [];
    for (const model of Object.values(this.infers)) {
      for (const label of Array.isArray(model.labels) ? model.labels : Object.keys(model.labels)) {
        if (!labels.includes(label) && label !== 'background') labels.push(label);
      }
    }
    return {
      name: `MONAILabel - Radiology (${this.version})`,
      description: 'DeepLearning models for radiology',
      version: this.version,
      labels,
      models: this.infers as unknown as PyValue,
      trainers: this.trainers,
      strategies: { random: { description: 'Random Strategy' }, first: { description: 'Get First Sample' }, last: { description: 'Get Last Sample' } },
      scoring: {},
      train_stats: {},
      datastore: await this.stats(),
    };
  }
}
