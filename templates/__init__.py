"""Verilog cores (cores/*.v) and Jinja templates (*.j2) of bnnc, installed as the data package compiler.templates."""
