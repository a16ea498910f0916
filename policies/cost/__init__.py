"""Cost policies: the estimated monthly cost stays under the caps, and capacity stays bounded."""
