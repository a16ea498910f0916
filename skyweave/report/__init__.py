"""Policy reports of `skyweave check`: terminal table, JSON, SARIF 2.1.0, JUnit XML and a PR comment."""
