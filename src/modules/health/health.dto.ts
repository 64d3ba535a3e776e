export class HealthDto {
  healthy!: boolean;
  version!: string;
}

export class ReadinessDto {
  ready!: boolean;
  database!: 'ok' | 'down';
  queue!: 'ok' | 'down';
  queueBackend!: 'redis' | 'postgres';
  events!: 'ok' | 'down';
}

export class HealthJobResultDto {
  jobId!: string;
  /** Process id of the worker that ran it. */
  workerPid!: number;
  ms!: number;
}
