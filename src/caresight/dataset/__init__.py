"""The dataset format: the contract, reading files and loading them into the store."""
