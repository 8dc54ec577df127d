"""Samplers of the unit hypercube for multi-channel integrands: the classical
multi-channel VEGAS baseline here; the MadNIS flows live in madnis_plugin/nis."""
