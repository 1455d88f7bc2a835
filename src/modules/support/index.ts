// Support desk: player search, a player's profile and cash movements for support staff, and
// support notes.
export {
  addNote,
  listNotes,
  type PlayerProfile,
  type PlayerSummary,
  playerProfile,
  playerTransactions,
  type SupportNote,
  searchPlayers,
} from './queries.ts';
export { supportRoutes } from './routes.ts';
