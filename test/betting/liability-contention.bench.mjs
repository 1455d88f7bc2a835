// Measures what one liability row per selection would cost: bet-shaped transactions of
// different players that all update the same row queue on its lock for the rest of their
// transaction; spread over 16 shard rows they do not. Run against a local PostgreSQL:
//   node test/betting/liability-contention.bench.mjs [postgres://postgres@127.0.0.1:5432/postgres]
// On the 2-core development machine (client and server on it): one row ≈ 700–840 bets/s,
// 16 shards ≈ 1,900–2,100 bets/s, 16 clients.
import pg from 'pg';

const base = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query('DROP DATABASE IF EXISTS lbench');
await admin.query('CREATE DATABASE lbench');
const pool = new pg.Pool({ connectionString: new URL('/lbench', base).toString(), max: 32 });
// pool.end() resolves before its connections have closed; the DROP … WITH (FORCE) at the end
// terminates those still closing, which the pool reports as an 'error' event.
pool.on('error', () => {});
await pool.query(`
  CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
  CREATE TABLE liability (id int, shard int, exposure bigint NOT NULL DEFAULT 0, PRIMARY KEY (id, shard));
  CREATE TABLE bets (id bigserial PRIMARY KEY, player int, stake bigint, payload text);
  INSERT INTO accounts SELECT g, 1000000000 FROM generate_series(0, 9999) g;
  INSERT INTO liability SELECT 1, g, 0 FROM generate_series(0, 15) g;`);
async function run(label, shards, clients, perClient) {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        const player = c * perClient + i;
        const tx = await pool.connect();
        try {
          await tx.query('BEGIN');
          await tx.query('SELECT balance FROM accounts WHERE id = $1 FOR UPDATE', [player]);
          await tx.query(`INSERT INTO bets (player, stake, payload) VALUES ($1, 100, 'x')`, [
            player,
          ]);
          await tx.query('UPDATE accounts SET balance = balance - 100 WHERE id = $1', [player]);
          await tx.query(
            'UPDATE liability SET exposure = exposure + 100 WHERE id = 1 AND shard = $1',
            [player % shards],
          );
          await tx.query('SELECT 1'); // the statements that follow in a placement (outbox, idempotency)
          await tx.query('SELECT 1');
          await tx.query('COMMIT');
        } catch (error) {
          await tx.query('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          tx.release();
        }
      }
    }),
  );
  const ms = performance.now() - t0;
  console.log(`${label}: ${Math.round((clients * perClient) / (ms / 1000))} bets/s`);
}
for (const round of [1, 2]) {
  await run(`one liability row, 16 clients (round ${round})`, 1, 16, 300);
  await run(`16 shards, 16 clients (round ${round})`, 16, 16, 300);
}
await pool.end();
await admin.query('DROP DATABASE lbench WITH (FORCE)');
await admin.end();
