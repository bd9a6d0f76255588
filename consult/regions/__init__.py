"""The region tree: 区 district → 街道 street → 社区/村 community → 居民小组/楼栋 building group."""
