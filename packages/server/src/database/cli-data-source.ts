import { DataSource } from 'typeorm';
import { loadConfig, loadDotEnv } from '../config/hub-config.js';
import { dataSourceOptions } from './data-source.js';

loadDotEnv();
const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error(
    'DATABASE_URL is not set. While the hub runs on its embedded database, use ' +
      `DATABASE_URL=postgres://postgres:postgres@127.0.0.1:${config.embeddedPostgresPort}/hub`,
  );
}

/** The TypeORM CLI's data source: `npm run migration:run`, `migration:revert`, `migration:generate`. */
export default new DataSource(dataSourceOptions({ url: config.databaseUrl, applicationName: 'federation-hub-cli' }));
