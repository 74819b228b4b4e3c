import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueryFailedError } from 'typeorm';
import { toErrorBody } from '../../packages/server/src/common/http-error.filter.js';
import {
  isDatabaseUnavailable,
  isUnavailableCode,
  PG_CONNECT_FAILED,
  PG_CONNECTION_LOST,
} from '../../packages/server/src/database/availability.js';

// SQLSTATEs from PostgreSQL's errcodes table (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const UNAVAILABLE: Array<[string, string]> = [
  ['08000', 'connection_exception'],
  ['08003', 'connection_does_not_exist'],
  ['08006', 'connection_failure'],
  ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
  ['08004', 'sqlserver_rejected_establishment_of_sqlconnection'],
  ['08P01', 'protocol_violation'],
  ['57P01', 'admin_shutdown ("terminating connection due to administrator command")'],
  ['57P02', 'crash_shutdown ("terminating connection because of crash of another server process")'],
  ['57P03', 'cannot_connect_now ("the database system is not yet accepting connections", "… is starting up")'],
  ['53000', 'insufficient_resources'],
  ['53100', 'disk_full'],
  ['53200', 'out_of_memory'],
  ['53300', 'too_many_connections'],
  ['ECONNREFUSED', 'nothing listens on the port'],
  ['ECONNRESET', 'the connection was reset'],
  ['ETIMEDOUT', 'the connection timed out'],
  ['EPIPE', 'written to a closed socket'],
  ['EHOSTUNREACH', 'no route to the host'],
  ['ENOTFOUND', 'the host name does not resolve'],
  ['EAI_AGAIN', 'the resolver did not answer'],
  [PG_CONNECT_FAILED, 'the pool could not hand out a connection'],
  [PG_CONNECTION_LOST, 'the connection the query ran on was lost'],
];
const NOT_UNAVAILABLE: Array<[string, string]> = [
  ['23505', 'unique_violation: a bug or a race, not an outage'],
  ['40001', 'serialization_failure'],
  ['42P01', 'undefined_table'],
  ['22P02', 'invalid_text_representation'],
  ['28P01', 'invalid_password: a configuration error'],
  ['3D000', 'invalid_catalog_name: the database does not exist'],
  ['57014', 'query_canceled (statement_timeout)'],
  ['57P04', 'database_dropped'],
  ['ENOENT', 'not a socket error'],
  ['', 'no code'],
];

describe('database availability: classified by code, never by message text', () => {
  for (const [code, meaning] of UNAVAILABLE) {
    it(`${code} (${meaning}) means unavailable → 503`, () => {
      assert.equal(isUnavailableCode(code), true);
      const error = Object.assign(new Error('any text at all'), { code });
      assert.equal(toErrorBody(error).statusCode, 503);
      assert.equal(toErrorBody(error).message, 'database unavailable; try again shortly');
    });
  }
  for (const [code, meaning] of NOT_UNAVAILABLE) {
    it(`${code || '(none)'} (${meaning}) is not unavailability → 500`, () => {
      assert.equal(isUnavailableCode(code), false);
      assert.equal(toErrorBody(Object.assign(new Error('x'), { code })).statusCode, 500);
    });
  }

  it('a message that reads like an outage but has no code is not one (texts are not matched)', () => {
    for (const text of ['Connection terminated unexpectedly', 'the database system is starting up', 'ECONNREFUSED']) {
      assert.equal(isDatabaseUnavailable(new Error(text)), false, text);
    }
  });

  it('looks through TypeORM’s QueryFailedError, an Error cause and an AggregateError', () => {
    const driverError = Object.assign(new Error('the database system is not yet accepting connections'), { code: '57P03' });
    assert.equal(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], driverError)), true);
    assert.equal(isDatabaseUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })), true);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    assert.equal(isDatabaseUnavailable(new AggregateError([refused, refused])), true);
    assert.equal(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], Object.assign(new Error('dup'), { code: '23505' }))), false);
  });
});
