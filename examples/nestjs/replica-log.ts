/** The replica's timestamped log (one line per event, as the other examples print), injectable by class. */
import { logger } from '../shared/cli.ts';

export class ReplicaLog {
  readonly write: (message: string) => void;

  constructor(identity: string) {
    this.write = logger(identity);
  }
}
