"""The integrand of a hadron-collider cross section: cuts, scales, αs, PDFs and flux
around the matrix element, evaluated per channel in the core."""
