"""Fleets: many UCMs in one run (`ucmauto fleet plan|apply|status`), one shared browser."""
