package imports

// LowerCostBounds makes the key derivation bounds small, so that fuzzing
// never spends its time (or memory) deriving keys. It returns a function
// that puts them back.
func LowerCostBounds() (restore func()) {
	s, p, a, c := maxScryptMemory, maxPBKDF2Rounds, maxArgon2Memory, maxArgon2Cost
	maxScryptMemory, maxPBKDF2Rounds, maxArgon2Memory, maxArgon2Cost = 128<<10, 100, 64<<10, 128<<10
	return func() { maxScryptMemory, maxPBKDF2Rounds, maxArgon2Memory, maxArgon2Cost = s, p, a, c }
}
